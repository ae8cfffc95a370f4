// The task lease protocol for agents (spec/agent.md §6): lease (with re-offer and long-poll), start,
// renew, complete, fail and get. Every call wraps the shared holder functions in core/src/tasks; the
// agent's instance id is the lease holder.
import { completeTask, failTask, leaseTasks, renewTask, type Services, startTask, type TaskRow } from "@nodepilot/core";
import {
  CompleteRequest,
  FailRequest,
  type LeasedTask,
  LeaseRequest,
  RenewRequest,
  StartRequest,
  type TaskStatusResponse,
} from "@nodepilot/core/agent-protocol";
import { tasks } from "@nodepilot/store";
import { and, asc, eq, gt, isNull } from "drizzle-orm";
import type { Hono } from "hono";
import { type AgentEnv, agentOf } from "./agent-env.ts";
import { agentSubjects, findAgentTask } from "./agent-subjects.ts";
import { parseBody } from "./http.ts";
import type { TaskWaker } from "./task-waker.ts";

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function leasedOut(t: TaskRow): LeasedTask {
  return {
    id: t.id,
    command: t.command,
    payload: t.payload as Record<string, unknown>,
    lease_id: t.lease_id ?? "",
    lease_expires_at: (t.lease_expires_at ?? new Date(0)).toISOString(),
    lease_ttl_seconds: t.lease_ttl_seconds,
    attempt: t.attempt,
    max_attempts: t.max_attempts,
    timeout_seconds: t.timeout_seconds,
    exclusive: t.exclusive,
  };
}

export function mountTaskRoutes(app: Hono<AgentEnv>, services: Services, waker: TaskWaker) {
  const db = services.database.db;

  app.post("/tasks/lease", async (c) => {
    const agent = agentOf(c);
    const req = await parseBody(c, LeaseRequest);
    const deadline = Date.now() + req.wait_seconds * 1000;
    for (;;) {
      const now = services.clock();
      // A lost lease reply is harmless: tasks leased to this holder but not started come back first.
      const reoffered = await db
        .select()
        .from(tasks)
        .where(
          and(
            eq(tasks.account_id, agent.accountId),
            eq(tasks.lease_holder, agent.instanceId),
            eq(tasks.status, "leased"),
            isNull(tasks.started_at),
            gt(tasks.lease_expires_at, now),
          ),
        )
        .orderBy(asc(tasks.leased_at))
        .limit(req.max);
      const offered = reoffered.filter((t) => req.commands.includes(t.command));
      let fresh: TaskRow[] = [];
      if (offered.length < req.max) {
        const { subjects } = await agentSubjects(db, agent.accountId, agent.instanceId);
        fresh = await leaseTasks(db, agent.origin(now), {
          executor: "agent",
          holder: agent.instanceId,
          limit: req.max - offered.length,
          subjects,
          commands: req.commands,
          accountId: agent.accountId,
          now,
        });
      }
      const out = [...offered, ...fresh];
      const left = deadline - Date.now();
      if (out.length > 0 || left <= 0) return c.json({ tasks: out.map(leasedOut) });
      // Woken by a new agent task in this process; the 1 s cap covers tasks created by other replicas.
      await waker.wait(Math.min(left, 1000), c.req.raw.signal);
      if (c.req.raw.signal.aborted) return c.json({ tasks: [] });
    }
  });

  app.get("/tasks/:id", async (c) => {
    const agent = agentOf(c);
    const t = await findAgentTask(db, agent.accountId, agent.instanceId, c.req.param("id"));
    const body: TaskStatusResponse = {
      id: t.id,
      status: t.status,
      lease_id: t.lease_holder === agent.instanceId ? t.lease_id : null,
      lease_expires_at: iso(t.lease_expires_at),
      attempt: t.attempt,
    };
    return c.json(body);
  });

  app.post("/tasks/:id/start", async (c) => {
    const agent = agentOf(c);
    const t = await findAgentTask(db, agent.accountId, agent.instanceId, c.req.param("id"));
    const req = await parseBody(c, StartRequest);
    const now = services.clock();
    const row = await startTask(db, agent.origin(now), { taskId: t.id, leaseId: req.lease_id, now });
    return c.json({ status: "running", lease_expires_at: iso(row.lease_expires_at) });
  });

  app.post("/tasks/:id/renew", async (c) => {
    const agent = agentOf(c);
    const t = await findAgentTask(db, agent.accountId, agent.instanceId, c.req.param("id"));
    const req = await parseBody(c, RenewRequest);
    const now = services.clock();
    const row = await renewTask(db, agent.origin(now), {
      taskId: t.id,
      leaseId: req.lease_id,
      ...(req.progress === undefined ? {} : { progress: req.progress }),
      ...(req.message === undefined ? {} : { message: req.message }),
      now,
    });
    return c.json({ lease_expires_at: iso(row.lease_expires_at) });
  });

  app.post("/tasks/:id/complete", async (c) => {
    const agent = agentOf(c);
    const t = await findAgentTask(db, agent.accountId, agent.instanceId, c.req.param("id"));
    const req = await parseBody(c, CompleteRequest);
    const now = services.clock();
    const out = await completeTask(db, agent.origin(now), {
      taskId: t.id,
      leaseId: req.lease_id,
      completionId: req.completion_id,
      result: req.result,
      now,
    });
    return out.deferred ? c.json({ status: "deferred" }, 202) : c.json({ status: "succeeded" }, 200);
  });

  app.post("/tasks/:id/fail", async (c) => {
    const agent = agentOf(c);
    const t = await findAgentTask(db, agent.accountId, agent.instanceId, c.req.param("id"));
    const req = await parseBody(c, FailRequest);
    const now = services.clock();
    const row = await failTask(db, agent.origin(now), {
      taskId: t.id,
      leaseId: req.lease_id,
      completionId: req.completion_id,
      error_code: req.error_code,
      error_message: req.error_message,
      retryable: req.retryable,
      now,
    });
    return row.status === "pending"
      ? c.json({ status: "pending", next_attempt_at: row.available_at.toISOString() })
      : c.json({ status: "failed" });
  });
}
