// On-disk layout of one local instance: `<rootDir>/<cloudInstanceId>/`. The directory *is* the
// instance; every file here is read back and parsed, because it outlives the control plane.
import { createHash } from "node:crypto";
import { readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";

/** `local-` + 16 hex characters; anything else can never name a sandbox (no path traversal). */
const CLOUD_ID_PATTERN = /^local-[0-9a-f]{16}$/;

export function cloudIdForToken(idempotencyToken: string): string {
  return `local-${createHash("sha256").update(idempotencyToken).digest("hex").slice(0, 16)}`;
}

export function isCloudId(value: string): boolean {
  return CLOUD_ID_PATTERN.test(value);
}

export const FILES = {
  instance: "instance.json",
  identity: "identity.cfg",
  caPem: "ca.pem",
  home: "home",
  bootId: "boot_id",
  supervisorPid: "supervisor.pid",
  childPid: "child.pid",
  exit: "exit.json",
  stopRequested: "stop_requested",
  supervisorLog: "supervisor.log",
  workloadLog: "workload.log",
} as const;

export interface SandboxPaths {
  dir: string;
  file(name: (typeof FILES)[keyof typeof FILES]): string;
}

/** Resolves a sandbox, returning null for ids that are malformed or would escape rootDir. */
export function sandboxPaths(rootDir: string, cloudInstanceId: string): SandboxPaths | null {
  if (!isCloudId(cloudInstanceId)) return null;
  const root = path.resolve(rootDir);
  const dir = path.resolve(root, cloudInstanceId);
  if (path.dirname(dir) !== root) return null;
  return { dir, file: (name) => path.join(dir, name) };
}

export const instanceRecordSchema = z.strictObject({
  cloud_instance_id: z.string(),
  name: z.string(),
  idempotency_token: z.string(),
  architecture: z.enum(["amd64", "arm64"]),
  instance_type_code: z.string(),
  zone_code: z.string(),
  image_code: z.string(),
  created_at: z.string(),
  tags: z.record(z.string(), z.string()),
  workload: z.strictObject({ command: z.string().min(1), args: z.array(z.string()) }),
});
export type InstanceRecord = z.infer<typeof instanceRecordSchema>;

export const exitRecordSchema = z.object({
  code: z.number().int().nullable(),
  signal: z.string().nullable(),
  at: z.string(),
  requested_stop: z.boolean(),
  error: z.string().optional(),
});
export type ExitRecord = z.infer<typeof exitRecordSchema>;

/** Write-then-rename so a reader (or the supervisor) never sees a half-written file. */
export async function writeFileAtomic(file: string, content: string, mode = 0o600): Promise<void> {
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(tmp, content, { mode });
  await rename(tmp, file);
}

/** The file's text, or null when it does not exist. */
export async function readOptional(file: string): Promise<string | null> {
  try {
    return await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
}

export async function readJsonOptional<T>(file: string, schema: z.ZodType<T>): Promise<T | null> {
  const text = await readOptional(file);
  if (text === null) return null;
  // A torn or foreign file is treated as absent rather than crashing every status read.
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export async function readPid(file: string): Promise<number | null> {
  const text = await readOptional(file);
  if (text === null) return null;
  const pid = Number.parseInt(text.trim(), 10);
  return Number.isSafeInteger(pid) && pid > 1 ? pid : null;
}

/** Shell-style identity file the on-node agent reads (agent.md §2, source 7). */
export function renderIdentityCfg(fields: Record<string, string | null | undefined>): string {
  const lines = ["# Written by the Nodepilot local provider; read by the on-node agent."];
  for (const [key, value] of Object.entries(fields)) {
    if (value === null || value === undefined || value === "") continue;
    // Single-quoted, with embedded quotes closed and reopened, so the agent's shell-style parser
    // reads the value back verbatim.
    lines.push(`${key}='${value.replaceAll("'", `'"'"'`)}'`);
  }
  return `${lines.join("\n")}\n`;
}
