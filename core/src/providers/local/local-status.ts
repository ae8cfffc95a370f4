// Reads a sandbox's real process state and maps it onto InstanceStatus (spec/domain.md §4.2, local
// row). The mapping is a pure function so each row of the table is tested without processes.
import { access } from "node:fs/promises";
import type { InstanceStatus } from "../adapter.ts";
import { isSandboxProcessAlive } from "./processes.ts";
import {
  type ExitRecord,
  exitRecordSchema,
  FILES,
  type InstanceRecord,
  instanceRecordSchema,
  readJsonOptional,
  readOptional,
  readPid,
  type SandboxPaths,
} from "./sandbox.ts";

export interface SandboxObservation {
  record: InstanceRecord;
  bootId: string | null;
  supervisorPid: number | null;
  supervisorAlive: boolean;
  childPid: number | null;
  childAlive: boolean;
  exit: ExitRecord | null;
  stopRequested: boolean;
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

/** null when the sandbox does not exist (or holds no readable instance record). */
export async function observeSandbox(paths: SandboxPaths): Promise<SandboxObservation | null> {
  const record = await readJsonOptional(paths.file(FILES.instance), instanceRecordSchema);
  if (!record) return null;
  // Order matters: the supervisor writes exit.json before it exits, so checking its liveness
  // first and exit.json second can never miss the record of a run that just ended.
  const supervisorPid = await readPid(paths.file(FILES.supervisorPid));
  const supervisorAlive = await isSandboxProcessAlive(supervisorPid, paths.dir);
  const childPid = await readPid(paths.file(FILES.childPid));
  const childAlive = await isSandboxProcessAlive(childPid, paths.dir);
  const exit = await readJsonOptional(paths.file(FILES.exit), exitRecordSchema);
  const stopRequested = await exists(paths.file(FILES.stopRequested));
  const bootId = (await readOptional(paths.file(FILES.bootId)))?.trim() || null;
  return { record, bootId, supervisorPid, supervisorAlive, childPid, childAlive, exit, stopRequested };
}

type StatusInput = Omit<SandboxObservation, "record" | "supervisorPid">;

export function localStatus(o: StatusInput): InstanceStatus {
  if (o.childAlive) return o.stopRequested ? "stopping" : "running";
  if (o.exit) return o.exit.requested_stop || o.exit.code === 0 ? "stopped" : "failed";
  if (o.supervisorAlive) {
    // Child recorded but gone: the supervisor is about to write exit.json. Not recorded yet: spawning.
    return o.childPid !== null || o.stopRequested ? "stopping" : "starting";
  }
  if (o.bootId === null) return "pending";
  // Both processes vanished without a record (killed, or the host restarted): only a requested
  // stop makes that an orderly end.
  return o.stopRequested ? "stopped" : "failed";
}
