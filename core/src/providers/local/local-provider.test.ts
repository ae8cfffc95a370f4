// Drives the local provider against real processes in a temp directory.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, readlinkSync, statSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CreateInstanceParams, InstanceStatus, ProviderCallContext } from "../adapter.ts";
import { ConflictError, InvalidRequestError, ResourceNotFoundError } from "../errors.ts";
import { LocalProvider } from "./local-provider.ts";

const HAS_PROC = existsSync("/proc/self/environ");
const execFileAsync = promisify(execFile);

let rootDir: string;
let provider: LocalProvider;

function ctx(idempotencyToken = "unused"): ProviderCallContext {
  return {
    idempotencyToken,
    deadline: new Date(Date.now() + 30_000),
    signal: new AbortController().signal,
    logger: { debug() {}, info() {}, warn() {}, error() {} },
    credentials: {},
  };
}

const params = (name: string, extra: Partial<CreateInstanceParams> = {}): CreateInstanceParams => ({
  name,
  regionCode: "local",
  instanceTypeCode: "local.small",
  tags: { "nodepilot:account": "acct-1" },
  ...extra,
});

async function waitFor<T>(probe: () => Promise<T>, accept: (v: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (accept(value)) return value;
    if (Date.now() > until)
      throw new Error(`condition not met within ${timeoutMs} ms (last: ${JSON.stringify(value)})`);
    await sleep(50);
  }
}

const waitStatus = (id: string, status: InstanceStatus, p: LocalProvider = provider) =>
  waitFor(
    () => p.syncStatus(id, ctx()),
    (s) => s === status,
  );

const dirOf = (id: string) => path.join(rootDir, id);
const readText = (id: string, file: string) => readFile(path.join(dirOf(id), file), "utf8");
const heartbeat = (id: string) => readFile(path.join(dirOf(id), "home", "heartbeat"), "utf8").catch(() => "");
/** The idle workload writes its first heartbeat once its SIGTERM handler is in place. */
const waitBooted = (id: string) =>
  waitFor(
    () => heartbeat(id),
    (t) => t.length > 0,
  );
const pidOf = async (id: string, file: string) => Number.parseInt(await readText(id, file), 10);

/** Every live process on this machine whose environment names the sandbox (Linux only). */
function sandboxPids(id: string): number[] {
  const marker = `NODEPILOT_INSTANCE_DIR=${dirOf(id)}`;
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "latin1");
      if (stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")) continue;
      if (readFileSync(`/proc/${entry}/environ`, "latin1").split("\0").includes(marker)) pids.push(Number(entry));
    } catch {
      // The process exited while we looked, or is not ours to read.
    }
  }
  return pids.sort();
}

beforeAll(async () => {
  rootDir = await mkdtemp(path.join(tmpdir(), "np-local-provider-"));
  provider = new LocalProvider({ rootDir, workload: undefined, stopGraceMs: 2_000 });
});

afterAll(async () => {
  // Whatever a failed test left behind: kill every recorded process, then remove the tree.
  for (const id of existsSync(rootDir) ? readdirSync(rootDir) : []) {
    const pids = HAS_PROC ? sandboxPids(id) : [];
    for (const file of ["supervisor.pid", "child.pid"]) {
      const text = existsSync(path.join(rootDir, id, file)) ? readFileSync(path.join(rootDir, id, file), "utf8") : "";
      if (/^\d+\s*$/.test(text)) pids.push(Number.parseInt(text, 10));
    }
    for (const pid of pids) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
  }
  await rm(rootDir, { recursive: true, force: true });
});

describe("LocalProvider", { timeout: 30_000 }, () => {
  it("reports a writable root and its catalog", async () => {
    expect(await provider.testConnection(ctx())).toMatchObject({ ok: true });
    const catalog = await provider.getMetadata(ctx());
    expect(catalog.regions).toEqual([
      { region_code: "local", name: "This machine", zones: [{ zone_code: "local-a", status: "available" }] },
    ]);
    expect(catalog.instance_types.map((t) => [t.instance_type_code, t.vcpus, t.memory_mb])).toEqual([
      ["local.small", 1, 512],
      ["local.medium", 2, 2048],
    ]);
    expect(catalog.images).toMatchObject([{ image_code: "local-default", boot_mode: "cloud_init" }]);
    expect([...provider.capabilities].sort()).toEqual(["instances", "sync"]);
  });

  it("creates idempotently: one token, one sandbox, one process tree", async () => {
    const token = "task-create-1";
    const [a, b] = await Promise.all([
      provider.createInstance(params("web-1"), ctx(token)),
      provider.createInstance(params("web-1"), ctx(token)),
    ]);
    const c = await provider.createInstance(params("web-1"), ctx(token));
    const id = `local-${createHash("sha256").update(token).digest("hex").slice(0, 16)}`;
    expect([a.cloudInstanceId, b.cloudInstanceId, c.cloudInstanceId]).toEqual([id, id, id]);
    expect(c).toMatchObject({
      providerType: "local",
      zoneCode: "local-a",
      instanceTypeCode: "local.small",
      name: "web-1",
    });
    await waitStatus(id, "running");

    expect(statSync(dirOf(id)).mode & 0o777).toBe(0o700);
    const record = JSON.parse(await readText(id, "instance.json"));
    expect(record).toMatchObject({ name: "web-1", idempotency_token: token, instance_type_code: "local.small" });
    expect(await readText(id, "identity.cfg")).toContain(`ID='${id}'`);

    const first = await waitBooted(id);
    await waitFor(
      () => heartbeat(id),
      (t) => t.length > 0 && t !== first,
      5_000,
    );

    const supervisor = await pidOf(id, "supervisor.pid");
    const child = await pidOf(id, "child.pid");
    if (HAS_PROC) {
      expect(sandboxPids(id)).toEqual([supervisor, child].sort());
      expect(readlinkSync(`/proc/${child}/cwd`)).toBe(path.join(dirOf(id), "home"));
      const envKeys = readFileSync(`/proc/${child}/environ`, "latin1")
        .split("\0")
        .filter(Boolean)
        .map((kv) => kv.slice(0, kv.indexOf("=")));
      expect(envKeys.sort()).toEqual(["HOME", "NODEPILOT_IDENTITY_FILE", "NODEPILOT_INSTANCE_DIR", "PATH"]);
    }
    await provider.terminateInstance(id, {}, ctx());
  });

  it("refuses a reused token with different parameters", async () => {
    const { cloudInstanceId } = await provider.createInstance(params("db-1"), ctx("task-conflict"));
    await expect(provider.createInstance(params("db-2"), ctx("task-conflict"))).rejects.toBeInstanceOf(ConflictError);
    await provider.terminateInstance(cloudInstanceId, {}, ctx());
  });

  it("stops, starts with a new boot id, and reboots", async () => {
    const { cloudInstanceId: id } = await provider.createInstance(params("cycle-1"), ctx("task-cycle"));
    await waitStatus(id, "running");
    await waitBooted(id);
    const boot1 = await readText(id, "boot_id");

    const stopped = await provider.stopInstance(id, {}, ctx());
    expect(stopped.status).toBe("stopped");
    expect(JSON.parse(await readText(id, "exit.json"))).toMatchObject({ code: 0, signal: null, requested_stop: true });
    if (HAS_PROC) expect(sandboxPids(id)).toEqual([]);
    expect((await provider.stopInstance(id, {}, ctx())).status).toBe("stopped");

    const started = await provider.startInstance(id, ctx());
    expect(started.status).toBe("running");
    const boot2 = await readText(id, "boot_id");
    expect(boot2).not.toBe(boot1);
    expect(existsSync(path.join(dirOf(id), "exit.json"))).toBe(false);
    const childBefore = await pidOf(id, "child.pid");
    expect((await provider.startInstance(id, ctx())).status).toBe("running");
    expect(await pidOf(id, "child.pid")).toBe(childBefore);

    const rebooted = await provider.rebootInstance(id, ctx());
    expect(rebooted.status).toBe("running");
    expect(await readText(id, "boot_id")).not.toBe(boot2);
    expect(await pidOf(id, "child.pid")).not.toBe(childBefore);

    await provider.stopInstance(id, { force: true }, ctx());
    expect(await provider.syncStatus(id, ctx())).toBe("stopped");
    await expect(provider.rebootInstance(id, ctx())).rejects.toBeInstanceOf(ConflictError);
    await provider.terminateInstance(id, {}, ctx());
  });

  it("reports failed when the workload is killed from outside, and starts again", async () => {
    const { cloudInstanceId: id } = await provider.createInstance(params("crash-1"), ctx("task-crash"));
    await waitStatus(id, "running");
    process.kill(await pidOf(id, "child.pid"), "SIGKILL");
    await waitStatus(id, "failed");
    expect(JSON.parse(await readText(id, "exit.json"))).toMatchObject({ signal: "SIGKILL", requested_stop: false });
    expect((await provider.startInstance(id, ctx())).status).toBe("running");
    await provider.terminateInstance(id, {}, ctx());
  });

  it("keeps instances across a control-plane restart and stops an orphaned workload", async () => {
    // A separate, short-lived "control plane" creates the instance and exits.
    const script = [
      `import { LocalProvider } from ${JSON.stringify(new URL("./local-provider.ts", import.meta.url).href)};`,
      `const p = new LocalProvider({ rootDir: ${JSON.stringify(rootDir)}, workload: undefined });`,
      "const ctx = { idempotencyToken: 'task-survivor', deadline: new Date(Date.now() + 20000),",
      "  signal: new AbortController().signal, logger: { debug() {}, info() {}, warn() {}, error() {} }, credentials: {} };",
      "const i = await p.createInstance({ name: 'survivor-1', regionCode: 'local', instanceTypeCode: 'local.small', tags: {} }, ctx);",
      "process.stdout.write(i.cloudInstanceId);",
    ].join("\n");
    const { stdout } = await execFileAsync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      timeout: 20_000,
    });
    const id = stdout.trim();
    const restarted = new LocalProvider({ rootDir, workload: undefined, stopGraceMs: 2_000 });
    expect((await restarted.getInstance(id, { expectedName: "survivor-1" }, ctx())).status).toBe("running");
    await waitBooted(id);

    // The supervisor dies, the workload lives on: still running, and still stoppable.
    const supervisor = await pidOf(id, "supervisor.pid");
    process.kill(supervisor, "SIGKILL");
    await waitFor(
      async () => HAS_PROC && sandboxPids(id).includes(supervisor),
      (alive) => !alive,
    );
    expect(await restarted.syncStatus(id, ctx())).toBe("running");
    expect((await restarted.stopInstance(id, {}, ctx())).status).toBe("stopped");
    if (HAS_PROC) expect(sandboxPids(id)).toEqual([]);
    await restarted.terminateInstance(id, {}, ctx());
  });

  it("maps workload exit codes: non-zero is failed, a missing binary is failed", async () => {
    const failing = new LocalProvider({
      rootDir,
      workload: { command: process.execPath, args: ["-e", "process.exit(3)"] },
    });
    const { cloudInstanceId: a } = await failing.createInstance(params("exit-3"), ctx("task-exit-3"));
    await waitStatus(a, "failed", failing);
    expect(JSON.parse(await readText(a, "exit.json"))).toMatchObject({ code: 3, requested_stop: false });

    const missing = new LocalProvider({ rootDir, workload: { command: "/nonexistent/agent", args: [] } });
    const { cloudInstanceId: b } = await missing.createInstance(params("missing-bin"), ctx("task-missing"));
    await waitStatus(b, "failed", missing);
    expect(JSON.parse(await readText(b, "exit.json")).error).toMatch(/ENOENT/);
    await failing.terminateInstance(a, {}, ctx());
    await missing.terminateInstance(b, {}, ctx());
  });

  it("lists instances by region and tag", async () => {
    const one = await provider.createInstance(params("list-1", { tags: { team: "a" } }), ctx("task-list-1"));
    const two = await provider.createInstance(params("list-2", { tags: { team: "b" } }), ctx("task-list-2"));
    const all = await provider.listInstances({}, { maxPages: 1 }, ctx());
    expect(all.instances.map((i) => i.name)).toEqual(expect.arrayContaining(["list-1", "list-2"]));
    expect(all.instances.every((i) => /^local-[0-9a-f]{16}$/.test(i.cloudInstanceId))).toBe(true);
    expect(all).toMatchObject({ pageCount: 1, truncated: false });
    const tagged = await provider.listInstances({ tag: { key: "team", value: "b" } }, { maxPages: 1 }, ctx());
    expect(tagged.instances.map((i) => i.cloudInstanceId)).toEqual([two.cloudInstanceId]);
    expect((await provider.listInstances({ regionCode: "us-east-1" }, { maxPages: 1 }, ctx())).instances).toEqual([]);
    await provider.terminateInstance(one.cloudInstanceId, {}, ctx());
    await provider.terminateInstance(two.cloudInstanceId, {}, ctx());
  });

  it("treats an expectedName mismatch as NotFound and leaves the instance alone", async () => {
    const { cloudInstanceId: id } = await provider.createInstance(params("named-1"), ctx("task-named"));
    await expect(provider.getInstance(id, { expectedName: "other" }, ctx())).rejects.toBeInstanceOf(
      ResourceNotFoundError,
    );
    await expect(provider.terminateInstance(id, { expectedName: "other" }, ctx())).rejects.toBeInstanceOf(
      ResourceNotFoundError,
    );
    expect((await provider.getInstance(id, { expectedName: "named-1" }, ctx())).status).toBe("running");
    await provider.terminateInstance(id, { expectedName: "named-1" }, ctx());
  });

  it("terminates: directory and processes gone, then terminated/NotFound", async () => {
    const { cloudInstanceId: id } = await provider.createInstance(params("doomed-1"), ctx("task-doomed"));
    await waitStatus(id, "running");
    const pids = [await pidOf(id, "supervisor.pid"), await pidOf(id, "child.pid")];
    await provider.terminateInstance(id, {}, ctx());
    expect(existsSync(dirOf(id))).toBe(false);
    expect(readdirSync(rootDir).filter((n) => n.includes(id))).toEqual([]);
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
    expect(await provider.syncStatus(id, ctx())).toBe("terminated");
    await expect(provider.getInstance(id, {}, ctx())).rejects.toBeInstanceOf(ResourceNotFoundError);
    await expect(provider.startInstance(id, ctx())).rejects.toBeInstanceOf(ResourceNotFoundError);
  });

  it("rejects ids that are not local instance ids (no path traversal)", async () => {
    for (const id of ["../etc", "local-../../x", `local-${"0".repeat(15)}/`, "", "/tmp"]) {
      await expect(provider.getInstance(id, {}, ctx())).rejects.toBeInstanceOf(InvalidRequestError);
      await expect(provider.syncStatus(id, ctx())).rejects.toBeInstanceOf(InvalidRequestError);
    }
  });

  it("refuses parameters outside its catalog and methods outside its capabilities", async () => {
    await expect(
      provider.createInstance(params("x", { instanceTypeCode: "m5.large" }), ctx("task-bad-type")),
    ).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(provider.createInstance(params("x", { regionCode: "eu" }), ctx("task-bad-region"))).rejects.toThrow(
      /region/,
    );
    await expect(provider.allocateIp(ctx())).rejects.toMatchObject({ code: "capability_not_supported" });
  });
});
