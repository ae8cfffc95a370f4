// Which task subjects an agent may see (spec/agent.md §6): its own instance, plus its node when it is
// the node's only live instance. Any other task reads as not found.
import { AppError, type TaskRow, type TaskSubjectType } from "@nodepilot/core";
import { type DbOrTx, node_instances, tasks } from "@nodepilot/store";
import { and, eq, ne, sql } from "drizzle-orm";

export interface AgentSubjects {
  nodeId: string;
  subjects: { type: TaskSubjectType; id: string }[];
}

export async function agentSubjects(db: DbOrTx, accountId: string, instanceId: string): Promise<AgentSubjects> {
  const [me] = await db
    .select({ node_id: node_instances.node_id })
    .from(node_instances)
    .where(and(eq(node_instances.id, instanceId), eq(node_instances.account_id, accountId)))
    .limit(1);
  if (!me) throw new AppError("not_found", `instance ${instanceId} was not found`);
  const [live] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(node_instances)
    .where(and(eq(node_instances.node_id, me.node_id), ne(node_instances.status, "terminated")));
  const subjects: AgentSubjects["subjects"] = [{ type: "node_instance", id: instanceId }];
  if ((live?.n ?? 0) === 1) subjects.push({ type: "node", id: me.node_id });
  return { nodeId: me.node_id, subjects };
}

/** The task, if this agent may see it: an agent task on one of its subjects, or leased by it. */
export async function findAgentTask(
  db: DbOrTx,
  accountId: string,
  instanceId: string,
  taskId: string,
): Promise<TaskRow> {
  const missing = new AppError("not_found", `task ${taskId} was not found`);
  if (!/^[0-9a-f-]{36}$/i.test(taskId)) throw missing;
  const [row] = await db
    .select()
    .from(tasks)
    .where(and(eq(tasks.id, taskId), eq(tasks.account_id, accountId), eq(tasks.executor, "agent")))
    .limit(1);
  if (!row) throw missing;
  if (row.lease_holder === instanceId) return row;
  const { subjects } = await agentSubjects(db, accountId, instanceId);
  if (subjects.some((s) => s.type === row.subject_type && s.id === row.subject_id)) return row;
  throw missing;
}
