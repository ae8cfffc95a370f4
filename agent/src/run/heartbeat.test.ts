import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { HeartbeatRequest } from "@nodepilot/core/agent-protocol";
import { describe, expect, it } from "vitest";
import { readBootId } from "./boot-id.ts";
import { heartbeatBody, heartbeatDelay } from "./heartbeat.ts";

describe("heartbeatDelay", () => {
  it("applies ±10 % jitter to the interval", () => {
    expect(heartbeatDelay(30, () => 0)).toBe(27_000);
    expect(heartbeatDelay(30, () => 0.5)).toBe(30_000);
    expect(heartbeatDelay(30, () => 1)).toBe(33_000);
  });

  it("clamps the server's interval to 5–300 s", () => {
    expect(heartbeatDelay(1, () => 0.5)).toBe(5_000);
    expect(heartbeatDelay(10_000, () => 0.5)).toBe(300_000);
  });
});

describe("heartbeatBody", () => {
  it("is a valid schema_version 1 heartbeat with real telemetry", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "np-hb-"));
    const body = await heartbeatBody({
      seq: 7,
      bootId: "boot-1",
      stateDir: dir,
      bootedImageGitSha: "abcdef1",
      activeLeases: [],
    });
    expect(HeartbeatRequest.parse(body)).toMatchObject({
      seq: 7,
      boot_id: "boot-1",
      booted_image_git_sha: "abcdef1",
      active_leases: [],
    });
    expect(body.persist_free_kb).toBeGreaterThan(0);
    const unknown = await heartbeatBody({ seq: 0, bootId: "b", stateDir: dir, activeLeases: [] });
    expect("booted_image_git_sha" in unknown).toBe(false);
  });

  it("carries the outbox depth and the dropped-events count", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "np-hb-"));
    const body = await heartbeatBody({
      seq: 1,
      bootId: "b",
      stateDir: dir,
      activeLeases: [],
      outboxDepth: 12,
      droppedEvents: 3,
    });
    expect(HeartbeatRequest.parse(body)).toMatchObject({ outbox_depth: 12, dropped_events: 3 });
  });
});

describe("readBootId", () => {
  it("prefers the sandbox boot-id file, then the kernel's, then generates and persists one", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "np-boot-"));
    const { writeFile, readFile } = await import("node:fs/promises");
    await writeFile(path.join(dir, "sandbox"), "sandbox-boot\n");
    await writeFile(path.join(dir, "kernel"), "kernel-boot\n");
    const fallbackFile = path.join(dir, "fallback");
    expect(
      await readBootId({ bootIdFile: path.join(dir, "sandbox"), kernelPath: path.join(dir, "kernel"), fallbackFile }),
    ).toBe("sandbox-boot");
    expect(await readBootId({ kernelPath: path.join(dir, "kernel"), fallbackFile })).toBe("kernel-boot");
    const generated = await readBootId({ kernelPath: path.join(dir, "none"), fallbackFile });
    expect(generated).toMatch(/^[0-9a-f-]{36}$/);
    expect((await readFile(fallbackFile, "utf8")).trim()).toBe(generated);
  });
});
