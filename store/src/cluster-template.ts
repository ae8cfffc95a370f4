// A freshly initialised embedded cluster, migrated to the current schema, kept as a compressed dump
// so the next new database loads it (about half a second) instead of running initdb and every
// migration (several seconds). It is keyed by the PGlite and pgvector versions and the migration
// files, so a changed schema or engine makes a new template and never reuses a stale one.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { migrationsFolder } from "./migrate.ts";

const PREFIX = "pglite-template-";

/** Where templates live: NODEPILOT_CACHE_DIR, else $XDG_CACHE_HOME/nodepilot, else ~/.cache/nodepilot. */
export function defaultTemplateCacheDir(env: NodeJS.ProcessEnv): string {
  if (env.NODEPILOT_CACHE_DIR) return env.NODEPILOT_CACHE_DIR;
  return join(env.XDG_CACHE_HOME || join(homedir(), ".cache"), "nodepilot");
}

/** An installed package's version (these packages do not export their package.json). */
function packageVersion(name: string): string {
  let dir = dirname(createRequire(import.meta.url).resolve(name));
  for (;;) {
    const file = join(dir, "package.json");
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, "utf8")) as { name?: string; version?: string };
      if (pkg.name === name && pkg.version) return pkg.version;
    }
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find the version of ${name}`);
    dir = up;
  }
}

/** The template's identity: engine versions plus every migration file's name and content. */
export function templateKey(): string {
  const hash = createHash("sha256");
  for (const pkg of ["@electric-sql/pglite", "@electric-sql/pglite-pgvector"]) {
    hash.update(`${pkg}@${packageVersion(pkg)}\n`);
  }
  const files = [
    ...readdirSync(migrationsFolder)
      .filter((f) => f.endsWith(".sql"))
      .sort(),
    "meta/_journal.json",
  ];
  for (const f of files) hash.update(`${f}\n`).update(readFileSync(join(migrationsFolder, f)));
  return hash.digest("hex").slice(0, 24);
}

const templateFile = (dir: string, key: string) => join(dir, `${PREFIX}${key}.tar.gz`);

export function readTemplate(dir: string, key: string): Blob | undefined {
  try {
    return new Blob([readFileSync(templateFile(dir, key))]);
  } catch {
    return undefined;
  }
}

/**
 * Writes atomically (a temporary file renamed into place, so concurrent first starts never read
 * half a template) and removes templates of other keys, which no current checkout can use.
 */
export async function writeTemplate(dir: string, key: string, dump: Blob): Promise<void> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const target = templateFile(dir, key);
  const tmp = `${target}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  writeFileSync(tmp, Buffer.from(await dump.arrayBuffer()), { mode: 0o600 });
  renameSync(tmp, target);
  for (const f of readdirSync(dir)) {
    if (f.startsWith(PREFIX) && join(dir, f) !== target && !f.endsWith(".tmp")) rmSync(join(dir, f), { force: true });
  }
}
