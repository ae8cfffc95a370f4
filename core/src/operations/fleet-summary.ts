// The fleet at a glance (spec/mcp.md §5 Resources, nodepilot://fleet/summary): nodes, instances by
// state and how many are silent, active tasks, approvals waiting for a person, and the newest event
// seq — counted in one statement, so every figure comes from the same snapshot. "Silent" is the
// instance_silent sensor's rule with this account's effective thresholds (sensor_config), so the
// summary and the sensor never disagree about which machines have gone quiet.
import { sql } from "drizzle-orm";
import { z } from "zod";
import type { OpContext } from "../catalog/context.ts";
import { defineOperation } from "../catalog/operation.ts";
import { AppError } from "../errors.ts";
import { INSTANCE_STATES } from "../machines/instance-machine.ts";
import { FINAL_TASK_STATES, TASK_STATES } from "../machines/task-machine.ts";
import { Timestamp } from "../schemas/common.ts";
import { effectiveSensorConfig, loadSensorConfigs } from "./sensor-config.ts";

const SILENT_SENSOR = "instance_silent";
const ACTIVE_TASK_STATES = TASK_STATES.filter((s) => !FINAL_TASK_STATES.includes(s)) as [
  (typeof TASK_STATES)[number],
  ...(typeof TASK_STATES)[number][],
];

const Count = z.number().int().nonnegative();

/** The two instance_silent settings the rule needs, parsed from the sensor's effective settings. */
const SilentRule = z.object({
  silent_threshold_seconds: z.number().int().positive(),
  boot_grace_seconds: z.number().int().positive(),
});

const FleetSummarySchema = z.strictObject({
  nodes: z.strictObject({ total: Count, enabled: Count, disabled: Count }),
  instances: z.strictObject({
    total: Count,
    by_status: z.record(z.enum(INSTANCE_STATES), Count),
    silent: Count.describe(
      "Running or starting instances whose last heartbeat is older than silent_rule.threshold_seconds, or that never sent one within silent_rule.boot_grace_seconds of entering their status.",
    ),
  }),
  silent_rule: z
    .strictObject({ threshold_seconds: z.number().int(), boot_grace_seconds: z.number().int() })
    .describe("The instance_silent sensor's effective settings for this account."),
  tasks: z.strictObject({ active: Count, by_status: z.record(z.enum(ACTIVE_TASK_STATES), Count) }),
  approvals: z.strictObject({ pending: Count.describe("Pending approval requests that have not expired.") }),
  last_event_seq: z.number().int().describe("The newest fleet event seq; follow on with event.list after_seq."),
  as_of: Timestamp,
});

const Row = z.object({
  metric: z.enum(["nodes", "instances", "silent", "tasks", "approvals", "event_seq"]),
  key: z.string(),
  n: z.coerce.number().int().nonnegative(),
});

async function silentRuleOf(ctx: OpContext): Promise<z.infer<typeof SilentRule>> {
  const sensor = ctx.services.sensors?.get(SILENT_SENSOR);
  if (!sensor) {
    throw new AppError("unavailable", "this process was started without the sensor catalog", {
      reason: "sensors_unavailable",
    });
  }
  const rows = await loadSensorConfigs(ctx.db, ctx.principal.accountId);
  return SilentRule.parse(effectiveSensorConfig(sensor, rows.get(SILENT_SENSOR)).settings);
}

export const fleetSummaryGet = defineOperation({
  name: "fleet_summary.get",
  title: "Summarize the fleet",
  description:
    "The whole account's fleet at a glance, in one consistent read: nodes (enabled, disabled), instances by status and how many are silent (running or starting with no heartbeat past the instance_silent sensor's threshold, default 180 s, or none within its boot grace), active tasks by status (pending, leased, running), pending approval requests, and the newest event seq. Takes no arguments. Use instance.list with silent=true to see which machines are silent, task.list or approval_request.list for the items behind a count.",
  examples: [
    { phrase: "how is the fleet doing", input: {} },
    { phrase: "how many machines are silent and how many approvals are waiting", input: {} },
    { phrase: "give me an overview of nodes, instances and tasks", input: {} },
  ],
  input: z.strictObject({}),
  output: FleetSummarySchema,
  scope: "fleet:read",
  effect: "read",
  http: { method: "GET", path: "/fleet/summary" },
  async execute(ctx) {
    const rule = await silentRuleOf(ctx);
    const account = ctx.principal.accountId;
    const now = ctx.now.toISOString();
    const active = sql.join(
      ACTIVE_TASK_STATES.map((s) => sql`${s}`),
      sql`, `,
    );
    // The silent predicate is instance_silent's (sensors/src/instance-silent.ts), thresholds included.
    const res = await ctx.db.execute(sql`
      SELECT 'nodes' AS metric, CASE WHEN enabled THEN 'enabled' ELSE 'disabled' END AS key, count(*)::text AS n
        FROM nodes WHERE account_id = ${account}::uuid GROUP BY 2
      UNION ALL
      SELECT 'instances', status, count(*)::text
        FROM node_instances WHERE account_id = ${account}::uuid GROUP BY status
      UNION ALL
      SELECT 'silent', '', count(*)::text
        FROM node_instances
        WHERE account_id = ${account}::uuid
          AND status IN ('running', 'starting')
          AND (
            (last_heartbeat_at IS NOT NULL
              AND last_heartbeat_at < ${now}::timestamptz - make_interval(secs => ${rule.silent_threshold_seconds}))
            OR (last_heartbeat_at IS NULL
              AND status_changed_at < ${now}::timestamptz - make_interval(secs => ${rule.boot_grace_seconds}))
          )
      UNION ALL
      SELECT 'tasks', status, count(*)::text
        FROM tasks WHERE account_id = ${account}::uuid AND status IN (${active}) GROUP BY status
      UNION ALL
      SELECT 'approvals', 'pending', count(*)::text
        FROM approval_requests
        WHERE account_id = ${account}::uuid AND status = 'pending' AND expires_at > ${now}::timestamptz
      UNION ALL
      SELECT 'event_seq', '', event_seq::text FROM accounts WHERE id = ${account}::uuid`);
    const rows = z.array(Row).parse(res.rows);
    const of = (metric: z.infer<typeof Row>["metric"], key: string) =>
      rows.find((r) => r.metric === metric && r.key === key)?.n ?? 0;
    const byStatus = <S extends string>(metric: "instances" | "tasks", states: readonly S[]) =>
      Object.fromEntries(states.map((s) => [s, of(metric, s)])) as Record<S, number>;
    const instances = byStatus("instances", INSTANCE_STATES);
    const tasks = byStatus("tasks", ACTIVE_TASK_STATES);
    const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
    const enabled = of("nodes", "enabled");
    const disabled = of("nodes", "disabled");
    return {
      nodes: { total: enabled + disabled, enabled, disabled },
      instances: { total: sum(instances), by_status: instances, silent: of("silent", "") },
      silent_rule: { threshold_seconds: rule.silent_threshold_seconds, boot_grace_seconds: rule.boot_grace_seconds },
      tasks: { active: sum(tasks), by_status: tasks },
      approvals: { pending: of("approvals", "pending") },
      last_event_seq: of("event_seq", ""),
      as_of: now,
    };
  },
});

export const fleetSummaryOperations = [fleetSummaryGet] as const;
