// Boxes for test fleets, made the way real ones arrive: a box asks to be claimed (the agent
// listener's pollClaim), an operator claims it over REST onto a node, and its agent heartbeats once
// (recordHeartbeat) — at a time in the past, for an instance that should count as silent.
import { randomBytes, randomUUID } from "node:crypto";
import { pollClaim, recordHeartbeat, systemPrincipal } from "@nodepilot/core";
import type { TestFleet } from "./harness.ts";

type Runtime = TestFleet["runtime"];
/** A REST call answering the body's `data`, throwing on an unexpected status. */
type Api = (method: string, path: string, body?: unknown) => Promise<any>;

export const newMac = () =>
  [...randomBytes(6)].map((b, i) => (i === 0 ? b & 0xfe : b).toString(16).padStart(2, "0")).join(":");

/** A new box polls to be claimed; returns its claim code. */
export async function askToBeClaimed(runtime: Runtime, hostname?: string): Promise<string> {
  const mac = newMac();
  const reply = await pollClaim(runtime.database.db, runtime.services.secrets, {
    accountId: runtime.accountId,
    request: {
      mac,
      dmi_uuid: randomUUID(),
      hostname: hostname ?? `box-${mac.slice(-5)}`,
      agent_version: "0.1.0",
      architecture: "amd64",
    },
    sourceIp: "192.0.2.10",
    now: new Date(),
    requestId: null,
  });
  if (reply.status !== "pending") throw new Error(`boxes: a new box polled ${reply.status}`);
  return reply.claim_code;
}

/** The instance's agent heartbeats once, at `at` (boot-1). */
export function heartbeatOnce(runtime: Runtime, instanceId: string, at: Date): Promise<unknown> {
  return runtime.database.db.transaction((tx) =>
    recordHeartbeat(
      tx,
      { principal: systemPrincipal(runtime.accountId, []), source: "agent", correlationId: null, now: at },
      { instanceId, bootId: "boot-1", agentVersion: "0.1.0", now: at },
    ),
  );
}

export interface ClaimBoxOptions {
  nodeId: string;
  instanceName?: string;
  hostname?: string;
  /** When its one heartbeat was; none when omitted. */
  heartbeatAt?: Date;
}

/** A box claimed onto a node as a physical instance, heartbeating once if asked; returns the instance id. */
export async function claimBox(runtime: Runtime, api: Api, opts: ClaimBoxOptions): Promise<string> {
  const claimCode = await askToBeClaimed(runtime, opts.hostname);
  const claimed = await api("POST", "/unclaimed_devices/claim", {
    claim_code: claimCode,
    node_id: opts.nodeId,
    ...(opts.instanceName ? { instance_name: opts.instanceName } : {}),
  });
  const id = claimed.instance.id as string;
  if (opts.heartbeatAt) await heartbeatOnce(runtime, id, opts.heartbeatAt);
  return id;
}
