// run_script (domain.md §1.3): only scripts named in `<state dir>/scripts.allow` (lines
// `<script_id> <absolute path>`), arguments passed as argv with no shell, a hard timeout, and
// the last 64 KB of stdout/stderr in the result.
import { spawn } from "node:child_process";
import { access, constants, readFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { defineHandler, HandlerError } from "./handler.ts";

const TAIL_BYTES = 65_536;
const KILL_GRACE_MS = 5_000;

export const RunScriptPayload = z.strictObject({
  script_id: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,99}$/),
  args: z.array(z.string().max(4096)).max(64).default([]),
  as_user: z
    .string()
    .regex(/^[a-z_][a-z0-9_-]{0,31}$/)
    .optional(),
  timeout_seconds: z.int().min(1).max(3600).default(300),
});

export async function readAllowList(file: string): Promise<Map<string, string>> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return new Map();
    throw err;
  }
  const out = new Map<string, string>();
  for (const [i, raw] of text.split("\n").entries()) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const m = /^(\S+)\s+(\S.*)$/.exec(line);
    if (!m || !path.isAbsolute(m[2]!))
      throw new HandlerError("invalid_allowlist", `${file}:${i + 1}: expected "<script_id> <absolute path>"`, false);
    out.set(m[1]!, m[2]!);
  }
  return out;
}

class Tail {
  private buf = Buffer.alloc(0);
  push(chunk: Buffer) {
    this.buf = Buffer.concat([this.buf, chunk]);
    if (this.buf.length > TAIL_BYTES) this.buf = this.buf.subarray(this.buf.length - TAIL_BYTES);
  }
  text() {
    // Cutting at a byte boundary can split a character; drop the broken lead-in.
    return this.buf
      .toString("utf8")
      .replace(/^\uFFFD+/, "")
      .slice(-TAIL_BYTES);
  }
}

export interface ScriptRun {
  exit_code: number;
  stdout_tail: string;
  stderr_tail: string;
}

export async function runAllowedScript(
  allowFile: string,
  payload: z.output<typeof RunScriptPayload>,
  signal: AbortSignal,
): Promise<ScriptRun> {
  const allow = await readAllowList(allowFile);
  const script = allow.get(payload.script_id);
  if (!script)
    throw new HandlerError("script_not_allowed", `script ${payload.script_id} is not in ${allowFile}`, false);
  try {
    await access(script, constants.X_OK);
  } catch {
    throw new HandlerError(
      "script_missing",
      `${script} (script ${payload.script_id}) is missing or not executable`,
      false,
    );
  }
  if (payload.as_user !== undefined) {
    // Dropping privileges needs a uid lookup and root; refusing is better than running as us.
    throw new HandlerError("privilege_drop_unavailable", "as_user is not supported by this agent build", false);
  }
  return await new Promise<ScriptRun>((resolve, reject) => {
    // Its own process group, so a timeout kills the script's children too (they hold the pipes).
    const child = spawn(script, payload.args, {
      shell: false,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
    });
    const out = new Tail();
    const err = new Tail();
    let timedOut = false;
    let aborted = false;
    let closed = false;
    const signalGroup = (sig: NodeJS.Signals) => {
      try {
        if (child.pid) process.kill(-child.pid, sig);
      } catch {
        // The group is already gone.
      }
    };
    const kill = () => {
      signalGroup("SIGTERM");
      setTimeout(() => !closed && signalGroup("SIGKILL"), KILL_GRACE_MS).unref();
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, payload.timeout_seconds * 1000);
    const onAbort = () => {
      aborted = true;
      kill();
    };
    signal.addEventListener("abort", onAbort, { once: true });
    child.stdout.on("data", (c: Buffer) => out.push(c));
    child.stderr.on("data", (c: Buffer) => err.push(c));
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(new HandlerError("script_failed_to_start", e.message, false));
    });
    child.on("close", (code, sig) => {
      closed = true;
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      if (timedOut)
        return reject(
          new HandlerError(
            "script_timeout",
            `script ${payload.script_id} exceeded ${payload.timeout_seconds} s`,
            false,
          ),
        );
      if (aborted) return reject(new HandlerError("aborted", "lease lost while the script ran", false));
      resolve({ exit_code: code ?? (sig ? 128 : 1), stdout_tail: out.text(), stderr_tail: err.text() });
    });
  });
}

export const runScriptHandler = defineHandler({
  command: "run_script",
  payload: RunScriptPayload,
  idempotent: false,
  run: async ({ paths, payload, signal }) => ({ ...(await runAllowedScript(paths.scriptsAllow, payload, signal)) }),
});
