// The provider side of control-plane instance commands (spec/domain.md §1.3, §4): one adapter call
// per command, then polling until provider truth matches what the command asked for, bounded by the
// call's deadline and abort signal. Returns what the provider reported; never touches the store.
import { setTimeout as sleep } from "node:timers/promises";
import type { InstanceInfo, InstanceStatus, ProviderCallContext } from "../providers/adapter.ts";
import { ProviderError, ProviderTimeoutError, ResourceNotFoundError } from "../providers/errors.ts";
import type { ProviderReport } from "./finalizers.ts";
import type { InstanceRow } from "./instance-schema.ts";
import type { InstanceProvider } from "./provider-access.ts";

export const POLL_INTERVAL_MS = 1_000;

/** Tags every machine we create carries; cloud sync recognises its own (and orphans) by them. */
export const TAG_ACCOUNT = "nodepilot:account";
export const TAG_INSTANCE = "nodepilot:instance";
export const TAG_NODE = "nodepilot:node";

/** Provider-side name: derived from the id, so it is unique, stable and checkable (expectedName). */
export const providerName = (instance: Pick<InstanceRow, "id">) => `np-${instance.id}`;

/** The machine is gone at the provider (NotFound, or it reports terminated). */
export class InstanceGoneError extends Error {
  constructor(readonly cloudInstanceId: string) {
    super(`the provider no longer has instance ${cloudInstanceId}`);
    this.name = "InstanceGoneError";
  }
}

/** The provider reports the machine as failed (crashed, exited with an error). Not retryable. */
export class InstanceFailedError extends ProviderError {
  constructor(cloudInstanceId: string, opts: { providerType: InstanceProvider["providerType"] }) {
    super("provider_conflict", false, `the provider reports instance ${cloudInstanceId} as failed`, opts);
    this.name = "InstanceFailedError";
  }
}

export const reportOf = (info: InstanceInfo): ProviderReport => ({
  cloud_instance_id: info.cloudInstanceId,
  status: info.status,
  private_ip: info.privateIp,
  public_ip: info.publicIp,
  zone_code: info.zoneCode,
  instance_type_code: info.instanceTypeCode,
});

/** Poll getInstance until the status is one of `want`; terminated is gone, failed is a failure. */
export async function waitForStatus(
  p: InstanceProvider,
  first: InstanceInfo,
  want: readonly InstanceStatus[],
  ctx: ProviderCallContext,
): Promise<InstanceInfo> {
  let info = first;
  for (;;) {
    if (want.includes(info.status)) return info;
    if (info.status === "terminated") throw new InstanceGoneError(info.cloudInstanceId);
    if (info.status === "failed") throw new InstanceFailedError(info.cloudInstanceId, { providerType: p.providerType });
    const left = ctx.deadline.getTime() - Date.now();
    if (left <= 0) {
      throw new ProviderTimeoutError(
        `instance ${info.cloudInstanceId} is still ${info.status}, not ${want.join(" or ")}, at the deadline`,
        { providerType: p.providerType },
      );
    }
    await sleep(Math.min(POLL_INTERVAL_MS, left), undefined, { signal: ctx.signal });
    info = await gone(info.cloudInstanceId, () => p.adapter.getInstance(info.cloudInstanceId, {}, ctx));
  }
}

/** Maps the provider's NotFound onto InstanceGoneError, so callers handle one "gone" case. */
async function gone<T>(cloudInstanceId: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof ResourceNotFoundError) throw new InstanceGoneError(cloudInstanceId);
    throw err;
  }
}

function requireCloudId(p: InstanceProvider, instance: InstanceRow): string {
  if (!instance.cloud_instance_id) {
    throw new ResourceNotFoundError(`instance ${instance.name} has no machine at the provider yet`, {
      providerType: p.providerType,
    });
  }
  return instance.cloud_instance_id;
}

/** Where an agent on a new machine reaches the platform: the agent listener and the CA it serves under. */
export interface AgentEndpoint {
  platformUrl: string;
  caPem: string;
}

/**
 * What a process adds to its services when it runs the agent listener; provisioning reads it to hand
 * each new machine its identity. Absent (or returning undefined) while no listener is running.
 */
export interface AgentEndpointSource {
  agentEndpoint?: () => AgentEndpoint | undefined;
}

/** The identity handed to the provider for a new machine; the token is plaintext, so it is never logged. */
export interface ProvisionIdentity {
  bootstrapToken: string;
  endpoint: AgentEndpoint;
}

export interface ProvisionPayload {
  zone_code?: string | undefined;
  spot?: boolean | undefined;
}

export async function provisionCall(
  p: InstanceProvider,
  instance: InstanceRow,
  payload: ProvisionPayload,
  ctx: ProviderCallContext,
  identity?: ProvisionIdentity,
): Promise<{ report: ProviderReport; created: string }> {
  if (!p.regionCode || !p.instanceTypeCode) {
    throw new ProviderError(
      "provider_invalid_request",
      false,
      `instance ${instance.name} has no region or instance type`,
      {
        providerType: p.providerType,
      },
    );
  }
  const info = await p.adapter.createInstance(
    {
      name: providerName(instance),
      regionCode: p.regionCode,
      zoneCode: payload.zone_code ?? p.zoneCode,
      instanceTypeCode: p.instanceTypeCode,
      imageCode: p.imageCode,
      architecture: instance.architecture,
      ...(payload.spot === undefined ? {} : { spot: payload.spot }),
      tags: { [TAG_ACCOUNT]: instance.account_id, [TAG_INSTANCE]: instance.id, [TAG_NODE]: instance.node_id },
      identity: identity
        ? {
            instanceId: instance.id,
            bootstrapToken: identity.bootstrapToken,
            platformUrl: identity.endpoint.platformUrl,
            caPem: identity.endpoint.caPem,
          }
        : { instanceId: instance.id },
    },
    ctx,
  );
  return { report: reportOf(await waitForStatus(p, info, ["running"], ctx)), created: info.cloudInstanceId };
}

export async function startCall(p: InstanceProvider, instance: InstanceRow, ctx: ProviderCallContext) {
  const id = requireCloudId(p, instance);
  const info = await gone(id, () => p.adapter.startInstance(id, ctx));
  return reportOf(await waitForStatus(p, info, ["running"], ctx));
}

export async function stopCall(p: InstanceProvider, instance: InstanceRow, force: boolean, ctx: ProviderCallContext) {
  const id = requireCloudId(p, instance);
  const info = await gone(id, () => p.adapter.stopInstance(id, { force }, ctx));
  return reportOf(await waitForStatus(p, info, ["stopped"], ctx));
}

export async function powerCycleCall(p: InstanceProvider, instance: InstanceRow, ctx: ProviderCallContext) {
  const id = requireCloudId(p, instance);
  const info = await gone(id, () => p.adapter.rebootInstance(id, ctx));
  return reportOf(await waitForStatus(p, info, ["running"], ctx));
}

/**
 * Destroy the machine (a machine already gone counts as destroyed) and wait until the provider
 * agrees, then release the public IP allocation the instance holds when asked to.
 */
export async function terminateCall(
  p: InstanceProvider,
  instance: InstanceRow,
  releaseIps: boolean,
  ctx: ProviderCallContext,
): Promise<{ cloud_instance_id: string | null; released_ips: string[] }> {
  const id = instance.cloud_instance_id;
  if (id) {
    try {
      await p.adapter.terminateInstance(id, { expectedName: providerName(instance) }, ctx);
    } catch (err) {
      if (!(err instanceof ResourceNotFoundError)) throw err;
    }
    while ((await p.adapter.syncStatus(id, ctx)) !== "terminated") {
      const left = ctx.deadline.getTime() - Date.now();
      if (left <= 0) {
        throw new ProviderTimeoutError(`instance ${id} is not terminated at the deadline`, {
          providerType: p.providerType,
        });
      }
      await sleep(Math.min(POLL_INTERVAL_MS, left), undefined, { signal: ctx.signal });
    }
  }
  const released: string[] = [];
  const allocation = instance.config.ip_allocation_id;
  if (releaseIps && typeof allocation === "string" && p.adapter.capabilities.has("ips")) {
    await p.adapter.releaseIp(allocation, ctx);
    if (instance.public_ip) released.push(instance.public_ip);
  }
  return { cloud_instance_id: id, released_ips: released };
}
