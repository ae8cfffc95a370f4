import { existsSync, readdirSync } from "node:fs";
import { chmod, mkdtemp, readFile, writeFile } from "node:fs/promises";
import os, { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { statePaths } from "../state/state-dir.ts";
import { collectFacts } from "./collect-facts.ts";
import { HandlerError } from "./handler.ts";
import { defaultHandlers } from "./index.ts";
import { attachedModules, ModuleFailure, reconcileModules } from "./modules.ts";
import { RunScriptPayload, runAllowedScript } from "./run-script.ts";

const tmp = () => mkdtemp(path.join(tmpdir(), "np-handlers-"));
const never = new AbortController().signal;

describe("collect_facts", () => {
  it("reports the real machine in the command's result shape", async () => {
    const dir = await tmp();
    const facts = await collectFacts(dir, path.join(dir, "modules"));
    expect(Object.keys(facts).sort()).toEqual([
      "cpu",
      "disks",
      "hostname",
      "interfaces",
      "kernel",
      "memory_mb",
      "modules",
      "os",
    ]);
    expect(facts.hostname).toBe(os.hostname());
    expect(facts.kernel).toBe(os.release());
    expect(facts.cpu.cores).toBe(os.cpus().length);
    expect(["amd64", "arm64"]).toContain(facts.cpu.architecture);
    expect(facts.memory_mb).toBe(Math.floor(os.totalmem() / 1048576));
    expect(facts.disks).toHaveLength(1);
    expect(facts.disks[0]!.size_bytes).toBeGreaterThan(0);
    expect(facts.disks[0]!.mountpoint).toMatch(/^\//);
    expect(facts.interfaces.some((i) => i.name === "lo" && i.addresses.includes("127.0.0.1"))).toBe(true);
    expect(facts.modules).toEqual([]);
  });
});

describe("sync_modules / apply_config", () => {
  it("refuse with a clear error on an agent that never enrolled (no platform to ask)", async () => {
    const paths = statePaths(await tmp());
    const handlers = defaultHandlers({ currentBootId: () => "b", onRebootRequested: () => undefined });
    const ctx = { signal: never, progress: () => undefined, paths, taskId: "t" };
    for (const command of ["sync_modules", "apply_config"]) {
      await expect(handlers.get(command)!.run({ ...ctx, payload: {} })).rejects.toMatchObject({
        code: "not_enrolled",
        retryable: false,
      });
    }
  });
});

describe("reconcileModules", () => {
  const id = (n: number) => `7f0c8a52-1d0e-4c3a-9b1e-0a2b3c4d5e6${n}`;
  const want = (n: number, digest = "a", services: string | null = null) => ({
    module_id: id(n),
    version_id: `v-${n}-${digest}`,
    digest: `sha256:${digest.repeat(64)}`,
    services_sha256: services,
  });
  /** Stages a file naming the digest; a digest of "f" is refused like a failed verification. */
  const stage = async (d: { digest: string }, dir: string) => {
    if (d.digest.endsWith("f".repeat(64))) throw new ModuleFailure("fsverity_failed", "root hash mismatch");
    await writeFile(path.join(dir, "content"), d.digest);
    return { name: "m" };
  };
  const content = (dir: string, n: number) => readFile(path.join(dir, id(n), "content"), "utf8");

  it("attaches, keeps what is current, reattaches on a services change and detaches the rest", async () => {
    const dir = path.join(await tmp(), "modules");
    expect(await reconcileModules(dir, [want(1), want(2)], { stage })).toEqual({
      attached: [id(1), id(2)],
      detached: [],
      reattached: [],
      failed: [],
    });
    expect(await content(dir, 1)).toBe(`sha256:${"a".repeat(64)}`);
    expect(await reconcileModules(dir, [want(1), want(2)], { stage })).toEqual({
      attached: [],
      detached: [],
      reattached: [],
      failed: [],
    });
    const next = await reconcileModules(dir, [want(1, "a", "s2"), want(3, "b")], { stage });
    expect(next).toEqual({ attached: [id(3)], detached: [id(2)], reattached: [id(1)], failed: [] });
    expect(existsSync(path.join(dir, id(2)))).toBe(false);
    expect((await attachedModules(dir)).map((m) => m.module_id)).toEqual([id(1), id(3)]);
  });

  it("keeps the previous version when the new one is refused, and names the module and reason", async () => {
    const dir = path.join(await tmp(), "modules");
    await reconcileModules(dir, [want(1, "a")], { stage });
    const out = await reconcileModules(dir, [want(1, "f")], { stage });
    expect(out.failed).toEqual([{ module_id: id(1), error_code: "fsverity_failed", message: "root hash mismatch" }]);
    expect(await content(dir, 1)).toBe(`sha256:${"a".repeat(64)}`);
    expect((await attachedModules(dir))[0]!.digest).toBe(`sha256:${"a".repeat(64)}`);
    expect(readdirSync(dir).filter((f) => f.startsWith("."))).toEqual([]);
  });

  it("with `only`, leaves every other module alone", async () => {
    const dir = path.join(await tmp(), "modules");
    await reconcileModules(dir, [want(1), want(2)], { stage });
    const out = await reconcileModules(dir, [want(2, "b")], { stage, only: id(1) });
    expect(out).toEqual({ attached: [], detached: [id(1)], reattached: [], failed: [] });
    expect(await content(dir, 2)).toBe(`sha256:${"a".repeat(64)}`);
  });
});

describe("run_script", () => {
  async function setup(allow: string | null) {
    const dir = await tmp();
    const script = path.join(dir, "echo-args.sh");
    await writeFile(script, '#!/bin/sh\nprintf "%s|" "$@"\necho oops >&2\nexit 3\n');
    await chmod(script, 0o755);
    const allowFile = path.join(dir, "scripts.allow");
    if (allow !== null) await writeFile(allowFile, allow.replaceAll("$SCRIPT", script).replaceAll("$DIR", dir));
    return { dir, script, allowFile };
  }
  const payload = (p: Record<string, unknown>) => RunScriptPayload.parse(p);

  it("runs an allow-listed script with argv (no shell) and returns exit code and tails", async () => {
    const { allowFile, dir } = await setup("# allowed scripts\necho-args $SCRIPT\n");
    const marker = path.join(dir, "pwned");
    const out = await runAllowedScript(
      allowFile,
      payload({ script_id: "echo-args", args: ["a b", `; touch ${marker}`, "$(id)"] }),
      never,
    );
    expect(out).toEqual({ exit_code: 3, stdout_tail: `a b|; touch ${marker}|$(id)|`, stderr_tail: "oops\n" });
    const { existsSync } = await import("node:fs");
    expect(existsSync(marker)).toBe(false);
  });

  it("refuses an id that is not allow-listed, or with no allow-list at all", async () => {
    const a = await setup("other $SCRIPT\n");
    await expect(runAllowedScript(a.allowFile, payload({ script_id: "echo-args" }), never)).rejects.toMatchObject({
      code: "script_not_allowed",
      retryable: false,
    });
    const b = await setup(null);
    await expect(runAllowedScript(b.allowFile, payload({ script_id: "echo-args" }), never)).rejects.toMatchObject({
      code: "script_not_allowed",
    });
  });

  it("refuses relative paths in the allow-list, missing scripts and privilege drops", async () => {
    const a = await setup("echo-args ./echo-args.sh\n");
    await expect(runAllowedScript(a.allowFile, payload({ script_id: "echo-args" }), never)).rejects.toMatchObject({
      code: "invalid_allowlist",
    });
    const b = await setup("gone $DIR/nope.sh\n");
    await expect(runAllowedScript(b.allowFile, payload({ script_id: "gone" }), never)).rejects.toMatchObject({
      code: "script_missing",
    });
    const c = await setup("echo-args $SCRIPT\n");
    await expect(
      runAllowedScript(c.allowFile, payload({ script_id: "echo-args", as_user: "nobody" }), never),
    ).rejects.toBeInstanceOf(HandlerError);
  });

  it("kills a script past its timeout", async () => {
    const { dir } = await setup(null);
    const slow = path.join(dir, "slow.sh");
    await writeFile(slow, "#!/bin/sh\nsleep 30\n");
    await chmod(slow, 0o755);
    const allowFile = path.join(dir, "scripts.allow");
    await writeFile(allowFile, `slow ${slow}\n`);
    const started = Date.now();
    await expect(
      runAllowedScript(allowFile, payload({ script_id: "slow", timeout_seconds: 1 }), never),
    ).rejects.toMatchObject({ code: "script_timeout" });
    expect(Date.now() - started).toBeLessThan(8_000);
  });

  it("rejects ids that could be paths at the payload schema", () => {
    expect(RunScriptPayload.safeParse({ script_id: "../etc/passwd" }).success).toBe(false);
  });
});
