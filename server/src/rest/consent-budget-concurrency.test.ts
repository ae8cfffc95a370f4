// Acceptance (issue 4): 50 concurrent autonomous actions against a module's consent budget of 10 →
// exactly 10 proceed, the rest require approval. Each action is its own transaction on its own pooled
// connection, reads the budget first (the gate's step-11h check) and holds that view across a sleep
// before consuming, so a read-then-write budget would overspend; the conditional UPDATE must not.
import { randomUUID } from "node:crypto";
import {
  consumeConsentBudget,
  createApprovalRequest,
  type EventOrigin,
  findExhaustedBudget,
  recordDecision,
  systemPrincipal,
} from "@nodepilot/core";
import { approval_requests, fleet_decisions, node_modules } from "@nodepilot/store";
import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTestFleet, type TestFleet } from "../testing/harness.ts";

let fleet: TestFleet;

beforeAll(async () => {
  fleet = await createTestFleet({ startRunners: false, poolSize: 12 });
});
afterAll(async () => {
  await fleet?.close();
});

it("50 concurrent autonomous actions vs a budget of 10: exactly 10 proceed, 40 go to approval", async () => {
  const db = fleet.runtime.database.db;
  const accountId = fleet.runtime.accountId;
  const created = await fleet.api("POST", "/api/v1/node_modules", {
    body: { name: `budget-race-${randomUUID().slice(0, 8)}` },
  });
  expect(created.status).toBe(201);
  const moduleId = created.body.data.id as string;
  expect(
    (await fleet.api("PATCH", `/api/v1/node_modules/${moduleId}/consent_budget`, { body: { limit: 10 } })).status,
  ).toBe(200);
  const tick = `tick:${randomUUID().slice(0, 16)}`;

  const action = (i: number) =>
    db.transaction(async (tx) => {
      const now = new Date();
      const origin: EventOrigin = {
        principal: systemPrincipal(accountId, []),
        source: "gate",
        correlationId: tick,
        now,
      };
      const seen = await findExhaustedBudget(tx, accountId, [moduleId], now);
      // Widen the window between the check and the consume so the transactions overlap.
      await tx.execute(sql`SELECT pg_sleep(0.02)`);
      const consumed = seen ? { ok: false as const } : await consumeConsentBudget(tx, accountId, [moduleId], now);
      if (consumed.ok) {
        await recordDecision(tx, origin, {
          decision: "proceed",
          reasons: [],
          tick_id: null,
          fingerprint: `race-${i}`,
          action_category: "module.sync",
          gate: "notify_and_proceed",
          base_policy: "notify_and_proceed",
        });
        return "proceed";
      }
      const payload = {
        account_id: accountId,
        action_category: "module.sync",
        target: { type: "node_module", id: moduleId },
        params: { module_id: moduleId, n: i },
      };
      const { request } = await createApprovalRequest(tx, origin, {
        action_payload: payload,
        dedup_key: `module.sync:race-${i}`,
        severity: "medium",
        description: `sync ${i} over the consent budget`,
        fingerprint: `race-${i}`,
      });
      await recordDecision(tx, origin, {
        decision: "pending",
        reasons: [{ code: "consent_budget_exhausted" }],
        fingerprint: `race-${i}`,
        action_category: "module.sync",
        gate: "require_approval",
        base_policy: "notify_and_proceed",
        approval_request_id: request.id,
      });
      return "pending";
    });

  const outcomes = await Promise.all(Array.from({ length: 50 }, (_, i) => action(i)));
  expect(outcomes.filter((o) => o === "proceed")).toHaveLength(10);
  expect(outcomes.filter((o) => o === "pending")).toHaveLength(40);

  const [mod] = await db.select().from(node_modules).where(eq(node_modules.id, moduleId));
  expect(mod!.consent_budget_used_count).toBe(10);
  const decisions = await db
    .select({ decision: fleet_decisions.decision, n: sql<number>`count(*)::int` })
    .from(fleet_decisions)
    .where(and(eq(fleet_decisions.account_id, accountId), sql`${fleet_decisions.fingerprint} LIKE 'race-%'`))
    .groupBy(fleet_decisions.decision);
  expect(Object.fromEntries(decisions.map((d) => [d.decision, d.n]))).toEqual({ proceed: 10, pending: 40 });
  const pending = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(approval_requests)
    .where(and(eq(approval_requests.account_id, accountId), eq(approval_requests.status, "pending")));
  expect(pending[0]!.n).toBe(40);
  const budget = await fleet.api("GET", `/api/v1/node_modules/${moduleId}/consent_budget`);
  expect(budget.body.data).toMatchObject({ limit: 10, used: 10, remaining: 0 });
});
