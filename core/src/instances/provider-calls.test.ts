// Pure tests of the provider-side polling (no database, no processes) and of the table that ties each
// control-plane command to the transitional state its operation leaves the instance in.
import { describe, expect, it } from "vitest";
import { instanceMachine } from "../machines/instance-machine.ts";
import { transition } from "../machines/machine.ts";
import type { InstanceInfo, InstanceStatus, ProviderAdapter, ProviderCallContext } from "../providers/adapter.ts";
import { ProviderTimeoutError, ResourceNotFoundError } from "../providers/errors.ts";
import { SETTLES } from "./finalizers.ts";
import type { InstanceProvider } from "./provider-access.ts";
import { InstanceFailedError, InstanceGoneError, waitForStatus } from "./provider-calls.ts";

const info = (status: InstanceStatus): InstanceInfo => ({
  cloudInstanceId: "c-1",
  status,
  privateIp: "10.0.0.1",
  publicIp: null,
  architecture: "amd64",
  instanceTypeCode: "t",
  zoneCode: "z",
  providerType: "aws",
  syncedAt: new Date(),
  name: "np-x",
  tags: {},
});

/** An adapter whose getInstance answers from a script: a status, or an error to throw. */
function scripted(answers: (InstanceStatus | Error)[]): { provider: InstanceProvider; calls: () => number } {
  let calls = 0;
  const adapter = {
    providerType: "aws",
    async getInstance() {
      const next = answers[Math.min(calls++, answers.length - 1)]!;
      if (next instanceof Error) throw next;
      return info(next);
    },
  } as unknown as ProviderAdapter;
  const provider: InstanceProvider = {
    providerType: "aws",
    adapter,
    credentials: {},
    secretValues: [],
    regionCode: "r",
    zoneCode: null,
    instanceTypeCode: "t",
    imageCode: null,
  };
  return { provider, calls: () => calls };
}

const ctx = (ms = 10_000): ProviderCallContext => ({
  idempotencyToken: "task-1",
  deadline: new Date(Date.now() + ms),
  signal: new AbortController().signal,
  logger: { debug() {}, info() {}, warn() {}, error() {} },
  credentials: {},
});

describe("waitForStatus", () => {
  it("returns at once when the first answer already matches", async () => {
    const s = scripted([]);
    expect((await waitForStatus(s.provider, info("running"), ["running"], ctx())).status).toBe("running");
    expect(s.calls()).toBe(0);
  });

  it("polls until the provider reports the wanted status", async () => {
    const s = scripted(["starting", "running"]);
    expect((await waitForStatus(s.provider, info("pending"), ["running"], ctx())).status).toBe("running");
    expect(s.calls()).toBe(2);
  }, 10_000);

  it("treats terminated and NotFound as gone, failed as a non-retryable failure", async () => {
    await expect(waitForStatus(scripted([]).provider, info("terminated"), ["running"], ctx())).rejects.toBeInstanceOf(
      InstanceGoneError,
    );
    const notFound = new ResourceNotFoundError("no such instance", { providerType: "aws" });
    await expect(
      waitForStatus(scripted([notFound]).provider, info("pending"), ["running"], ctx()),
    ).rejects.toBeInstanceOf(InstanceGoneError);
    const failed = waitForStatus(scripted([]).provider, info("failed"), ["running"], ctx());
    await expect(failed).rejects.toBeInstanceOf(InstanceFailedError);
    await expect(failed).rejects.toMatchObject({ retryable: false });
  });

  it("gives up with a retryable timeout at the deadline", async () => {
    const err = waitForStatus(scripted(["pending"]).provider, info("pending"), ["running"], ctx(50));
    await expect(err).rejects.toBeInstanceOf(ProviderTimeoutError);
    await expect(err).rejects.toMatchObject({ code: "provider_timeout", retryable: true });
  });

  it("stops polling when the call is aborted", async () => {
    const controller = new AbortController();
    const started = Date.now();
    const running = waitForStatus(scripted(["pending"]).provider, info("pending"), ["running"], {
      ...ctx(),
      signal: controller.signal,
    });
    controller.abort(new Error("lease lost"));
    await expect(running).rejects.toMatchObject({ name: "AbortError" });
    // Well before the next one-second poll would have come round.
    expect(Date.now() - started).toBeLessThan(500);
  });
});

describe("SETTLES", () => {
  it("names the state each command's operation moves the instance into", () => {
    const queuedBy = {
      provision: ["pending", "provision"],
      start: ["stopped", "start"],
      stop: ["running", "stop"],
      power_cycle: ["running", "reboot"],
      terminate: ["running", "terminate"],
      decommission: ["running", "terminate"],
    } as const;
    for (const [command, [from, event]] of Object.entries(queuedBy)) {
      const step = transition(instanceMachine, from, event);
      expect(step.ok && step.to, command).toBe(SETTLES[command as keyof typeof SETTLES]);
    }
  });
});
