// Following a task to its end for `--wait`: long-poll GET /tasks/:id?wait_seconds=10 (spec/domain.md
// §5.1), print a progress line on stderr whenever status or progress changes.
import type { ApiClient } from "./api-client.ts";
import { CliError } from "./cli-io.ts";

export const FINAL_TASK_STATES: ReadonlySet<string> = new Set(["succeeded", "failed", "cancelled", "expired"]);

export interface TaskView {
  id: string;
  status: string;
  progress?: number;
  command?: string;
  error_code?: string | null;
  error_message?: string | null;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/** The task in a response body: `{data:{task}}` (task-backed operations) or `{data: task}` (task.get). */
export function taskIn(body: unknown): TaskView | undefined {
  const data = isObject(body) ? body.data : undefined;
  const candidate = isObject(data) && isObject(data.task) ? data.task : data;
  if (!isObject(candidate) || typeof candidate.id !== "string" || typeof candidate.status !== "string")
    return undefined;
  return candidate as unknown as TaskView;
}

/** The task a task-backed operation returned, if any (`data.task.id`). */
export function startedTask(body: unknown): TaskView | undefined {
  const data = isObject(body) ? body.data : undefined;
  return isObject(data) && isObject(data.task) ? taskIn(body) : undefined;
}

export function progressLine(task: TaskView): string {
  const pct = typeof task.progress === "number" ? ` ${task.progress}%` : "";
  const what = task.command ? ` (${task.command})` : "";
  return `task ${task.id}${what}: ${task.status}${pct}`;
}

export interface FollowOptions {
  waitSeconds?: number;
  /** Floor between polls, so a server that answers at once is not hammered. */
  minIntervalMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

export async function followTask(
  client: ApiClient,
  taskId: string,
  log: (line: string) => void,
  opts: FollowOptions = {},
): Promise<TaskView> {
  const waitSeconds = opts.waitSeconds ?? 10;
  const minInterval = opts.minIntervalMs ?? 1000;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((ok) => setTimeout(ok, ms)));
  let last = "";
  for (;;) {
    const started = Date.now();
    const res = await client.request("GET", `/tasks/${encodeURIComponent(taskId)}?wait_seconds=${waitSeconds}`);
    const task = taskIn(res.body);
    if (!task) throw new CliError(`GET /tasks/${taskId} did not return a task`);
    const line = progressLine(task);
    if (line !== last) log(line);
    last = line;
    if (FINAL_TASK_STATES.has(task.status)) return task;
    const elapsed = Date.now() - started;
    if (elapsed < minInterval) await sleep(minInterval - elapsed);
  }
}
