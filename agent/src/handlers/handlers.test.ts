import { chmod, mkdtemp, writeFile } from "node:fs/promises";
import os, { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { statePaths } from "../state/state-dir.ts";
import { collectFacts } from "./collect-facts.ts";
import { HandlerError } from "./handler.ts";
import { defaultHandlers } from "./index.ts";
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
  it("reconciles the real (empty) desired set and says nothing was attached", async () => {
    const paths = statePaths(await tmp());
    const handlers = defaultHandlers({ currentBootId: () => "b", onRebootRequested: () => undefined });
    const ctx = { signal: never, progress: () => undefined, paths, taskId: "t" };
    expect(await handlers.get("sync_modules")!.run({ ...ctx, payload: {} })).toEqual({
      attached: [],
      detached: [],
      reattached: [],
      failed: [],
    });
    expect(await handlers.get("apply_config")!.run({ ...ctx, payload: {} })).toEqual({
      converged: [],
      not_converged: [],
    });
  });

  it("detaches a recorded module that is no longer desired", async () => {
    const paths = statePaths(await tmp());
    const id = "7f0c8a52-1d0e-4c3a-9b1e-0a2b3c4d5e6f";
    const { mkdir } = await import("node:fs/promises");
    await mkdir(path.join(paths.modules, id), { recursive: true });
    await writeFile(
      path.join(paths.modules, "reconciler.json"),
      JSON.stringify({
        version: 1,
        modules: [
          {
            module_id: id,
            version_id: null,
            digest: `sha256:${"a".repeat(64)}`,
            services_sha256: null,
            attached_at: "2025-01-01T00:00:00Z",
          },
        ],
      }),
    );
    const handlers = defaultHandlers({ currentBootId: () => "b", onRebootRequested: () => undefined });
    const out = await handlers
      .get("sync_modules")!
      .run({ signal: never, progress: () => undefined, paths, taskId: "t", payload: {} });
    expect(out).toEqual({ attached: [], detached: [id], reattached: [], failed: [] });
    const { existsSync } = await import("node:fs");
    expect(existsSync(path.join(paths.modules, id))).toBe(false);
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
