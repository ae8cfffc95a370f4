import { describe, expect, it } from "vitest";
import type { InstanceStatus } from "../adapter.ts";
import { localStatus } from "./local-status.ts";
import type { ExitRecord } from "./sandbox.ts";

const exit = (code: number | null, requested_stop: boolean, signal: string | null = null): ExitRecord => ({
  code,
  signal,
  requested_stop,
  at: "2025-01-01T00:00:00.000Z",
});
type Input = Parameters<typeof localStatus>[0];
const idle: Input = {
  bootId: "b",
  supervisorAlive: false,
  childPid: null,
  childAlive: false,
  exit: null,
  stopRequested: false,
};

describe("localStatus (spec/domain.md §4.2, local row)", () => {
  it.each<[string, Partial<Input>, InstanceStatus]>([
    ["never booted", { bootId: null }, "pending"],
    ["spawning: supervisor up, child pid not recorded", { supervisorAlive: true }, "starting"],
    ["alive", { supervisorAlive: true, childPid: 10, childAlive: true }, "running"],
    ["alive without its supervisor", { childPid: 10, childAlive: true }, "running"],
    [
      "alive while a stop is in progress",
      { supervisorAlive: true, childPid: 10, childAlive: true, stopRequested: true },
      "stopping",
    ],
    ["child gone, exit being recorded", { supervisorAlive: true, childPid: 10 }, "stopping"],
    ["exit 0 after stop", { exit: exit(0, true), stopRequested: true }, "stopped"],
    ["killed after the grace period of a stop", { exit: exit(null, true, "SIGKILL") }, "stopped"],
    ["exit 0 on its own", { exit: exit(0, false) }, "stopped"],
    ["exit ≠ 0", { exit: exit(1, false) }, "failed"],
    ["killed by a signal nobody asked for", { exit: exit(null, false, "SIGKILL") }, "failed"],
    ["vanished without a record", {}, "failed"],
    ["vanished without a record after a stop request", { stopRequested: true }, "stopped"],
  ])("%s", (_name, patch, expected) => {
    expect(localStatus({ ...idle, ...patch })).toBe(expected);
  });
});
