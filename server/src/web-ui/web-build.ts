// The web UI's production build (web/.next): whether it matches the sources, and building it. A
// stamp over the sources' paths, sizes and mtimes (plus the Next.js version) is written beside the
// build when it succeeds, so `nodepilot start` rebuilds after a change and never serves a stale UI.
// One build at a time per checkout: a lock directory beside the build, taken with mkdir.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The web workspace of this checkout. */
export const WEB_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../../../web");

const STAMP = ".next/nodepilot-source-stamp";
const LOCK = ".next-build.lock";
const SOURCES = ["src", "public", "next.config.ts", "package.json", "tsconfig.json"];

function walk(dir: string, out: string[]): void {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else out.push(p);
  }
}

function nextBin(dir: string): string {
  const require = createRequire(join(dir, "package.json"));
  return join(dirname(require.resolve("next/package.json")), "dist/bin/next");
}

export function sourceStamp(dir: string = WEB_DIR): string {
  const files: string[] = [];
  for (const s of SOURCES) {
    const p = join(dir, s);
    if (!existsSync(p)) continue;
    if (statSync(p).isDirectory()) walk(p, files);
    else files.push(p);
  }
  const h = createHash("sha256");
  const require = createRequire(join(dir, "package.json"));
  h.update(`next ${(require("next/package.json") as { version: string }).version}\n`);
  for (const f of files.sort()) {
    const st = statSync(f);
    h.update(`${relative(dir, f)} ${st.size} ${st.mtimeMs}\n`);
  }
  return h.digest("hex");
}

export type BuildState = "fresh" | "stale" | "missing";

export function buildState(dir: string = WEB_DIR): BuildState {
  if (!existsSync(join(dir, ".next/BUILD_ID"))) return "missing";
  const stamp = existsSync(join(dir, STAMP)) ? readFileSync(join(dir, STAMP), "utf8").trim() : "";
  return stamp === sourceStamp(dir) ? "fresh" : "stale";
}

async function takeLock(dir: string, waitMs: number): Promise<() => void> {
  const lock = join(dir, LOCK);
  const until = Date.now() + waitMs;
  for (;;) {
    try {
      mkdirSync(lock);
      return () => rmSync(lock, { recursive: true, force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      // A lock older than the longest build is left by a killed process.
      if (Date.now() - statSync(lock).mtimeMs > 15 * 60_000) rmSync(lock, { recursive: true, force: true });
      if (Date.now() > until) throw new Error(`another web UI build holds ${lock}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/**
 * Build the UI unless it is fresh (another process may have just built it while we waited for the
 * lock). Resolves when web/.next matches the sources; rejects with the build's output on failure.
 */
export async function ensureWebBuild(opts: { dir?: string; onStart?: () => void } = {}): Promise<void> {
  const dir = opts.dir ?? WEB_DIR;
  if (buildState(dir) === "fresh") return;
  const release = await takeLock(dir, 15 * 60_000);
  try {
    if (buildState(dir) === "fresh") return;
    opts.onStart?.();
    const stamp = sourceStamp(dir);
    const output: string[] = [];
    const code = await new Promise<number | null>((ok, fail) => {
      const child = spawn(process.execPath, [nextBin(dir), "build"], {
        cwd: dir,
        env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", NODE_ENV: "production" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      child.stdout.on("data", (b: Buffer) => output.push(b.toString()));
      child.stderr.on("data", (b: Buffer) => output.push(b.toString()));
      child.once("error", fail);
      child.once("exit", ok);
    });
    if (code !== 0) throw new Error(`next build failed (exit ${code}):\n${output.join("").slice(-4000)}`);
    writeFileSync(join(dir, STAMP), `${stamp}\n`);
  } finally {
    release();
  }
}
