// Fleet event reads (spec/domain.md §1.8): a filtered, paginated query over the append-only log, one
// event by id, and one correlation chain. The live stream (SSE) is a server concern, not here.
import { EVENT_SOURCES, fleet_events } from "@nodepilot/store";
import { and, asc, eq, gt, gte, inArray, lt, type SQL, sql } from "drizzle-orm";
import { z } from "zod";
import { defineOperation } from "../catalog/operation.ts";
import { invalidInput, notFound } from "../errors.ts";
import { likeEscape, listInputShape, listOutput, pageClause, toPage, whereAll } from "../lib/pagination.ts";
import { IdInput, Timestamp, toJson, Uuid } from "../schemas/common.ts";

const SEVERITIES = ["low", "medium", "high", "critical"] as const;
const Severity = z.enum(SEVERITIES);
const CHAIN_LIMIT = 1000;

export const EventSchema = z.strictObject({
  id: Uuid,
  seq: z.number().int(),
  kind: z.string(),
  severity: Severity,
  payload: z.record(z.string(), z.unknown()),
  correlation_id: z.string().nullable(),
  fingerprint: z.string().nullable(),
  source: z.union([z.enum(EVENT_SOURCES), z.string().regex(/^(sensor|applier):[a-z0-9_.]+$/)]),
  actor_type: z.string(),
  actor_id: z.string().nullable(),
  subject_type: z.string().nullable(),
  subject_id: Uuid.nullable(),
  node_id: Uuid.nullable(),
  node_instance_id: Uuid.nullable(),
  node_module_id: Uuid.nullable(),
  module_version_id: Uuid.nullable(),
  task_id: Uuid.nullable(),
  cve_id: z.string().nullable(),
  certificate_id: Uuid.nullable(),
  instance_pool_id: Uuid.nullable(),
  emitted_at: Timestamp,
  created_at: Timestamp,
});

type EventRow = typeof fleet_events.$inferSelect;

export function eventOut(row: EventRow): z.infer<typeof EventSchema> {
  const { account_id: _a, ...rest } = row;
  return toJson(rest);
}

/** `instance.transitioned` matches exactly; `instance.*` matches every kind under `instance.`. */
export function kindFilter(kind: string): SQL {
  if (!kind.endsWith(".*")) return eq(fleet_events.kind, kind);
  const prefix = `${likeEscape(kind.slice(0, -1))}%`;
  return sql`${fleet_events.kind} like ${prefix}`;
}

/** Severities at or above `min`, in rank order. */
export function severitiesFrom(min: (typeof SEVERITIES)[number]): (typeof SEVERITIES)[number][] {
  return SEVERITIES.slice(SEVERITIES.indexOf(min));
}

export const eventList = defineOperation({
  name: "event.list",
  title: "List fleet events",
  description:
    "Query the fleet event log, newest first (order=asc for oldest first). Filters: kind (exact, or a prefix like `instance.*`), severity (a minimum: `high` returns high and critical), subject_type with subject_id, node_id, node_instance_id, task_id, correlation_id, and since/until (RFC 3339, since inclusive, until exclusive, by record time). Paginate with cursor. To follow the log, pass after_seq (the last seq you saw): results are then oldest first by seq, cursor and order=desc are not allowed, and you continue with the last item's seq. Use event.correlation for one request's whole chain.",
  examples: [
    {
      phrase: "show high and critical events from the last hour",
      input: { severity: "high", since: "2025-01-01T10:00:00Z" },
    },
    { phrase: "what happened to instance 0190…", input: { node_instance_id: "<instance id>", kind: "instance.*" } },
  ],
  input: z.strictObject({
    ...listInputShape,
    kind: z
      .string()
      .regex(/^[a-z_]+(\.[a-z_]+)*(\.\*)?$/, "a dotted kind like instance.transitioned, or a prefix like instance.*")
      .max(100)
      .optional(),
    severity: Severity.optional().describe("Minimum severity: this level and above."),
    subject_type: z
      .string()
      .regex(/^[a-z_]+$/, "snake_case")
      .max(63)
      .optional(),
    subject_id: Uuid.optional(),
    node_id: Uuid.optional(),
    node_instance_id: Uuid.optional(),
    task_id: Uuid.optional(),
    correlation_id: z.string().min(1).max(200).optional(),
    since: Timestamp.optional(),
    until: Timestamp.optional(),
    order: z.enum(["asc", "desc"]).optional().describe("desc (newest first) unless after_seq is given."),
    after_seq: z.number().int().min(0).optional().describe("Only events with a larger seq, oldest first."),
  }),
  output: listOutput(EventSchema),
  scope: "fleet:read",
  effect: "read",
  list: true,
  http: { method: "GET", path: "/events" },
  async execute(ctx, input) {
    if (input.subject_id && !input.subject_type) {
      throw invalidInput("subject_type: required with subject_id", [
        { path: "subject_type", message: "required with subject_id" },
      ]);
    }
    if (input.since && input.until && Date.parse(input.since) >= Date.parse(input.until)) {
      throw invalidInput("until: must be after since", [{ path: "until", message: "must be after since" }]);
    }
    const following = input.after_seq !== undefined;
    if (following && input.cursor) {
      throw invalidInput("cursor: not used with after_seq", [
        { path: "cursor", message: "continue with after_seq instead" },
      ]);
    }
    if (following && input.order === "desc") {
      throw invalidInput("order: after_seq reads oldest first", [
        { path: "order", message: "must be asc with after_seq" },
      ]);
    }
    const filters: (SQL | undefined)[] = [
      eq(fleet_events.account_id, ctx.principal.accountId),
      input.kind ? kindFilter(input.kind) : undefined,
      input.severity ? inArray(fleet_events.severity, severitiesFrom(input.severity)) : undefined,
      input.subject_type ? eq(fleet_events.subject_type, input.subject_type) : undefined,
      input.subject_id ? eq(fleet_events.subject_id, input.subject_id) : undefined,
      input.node_id ? eq(fleet_events.node_id, input.node_id) : undefined,
      input.node_instance_id ? eq(fleet_events.node_instance_id, input.node_instance_id) : undefined,
      input.task_id ? eq(fleet_events.task_id, input.task_id) : undefined,
      input.correlation_id ? eq(fleet_events.correlation_id, input.correlation_id) : undefined,
      input.since ? gte(fleet_events.created_at, new Date(input.since)) : undefined,
      input.until ? lt(fleet_events.created_at, new Date(input.until)) : undefined,
    ];
    if (following) {
      // seq is commit order, so a follower that resumes from the last seq it saw never skips a row.
      const rows = await ctx.db
        .select()
        .from(fleet_events)
        .where(whereAll(...filters, gt(fleet_events.seq, input.after_seq ?? 0)))
        .orderBy(asc(fleet_events.seq))
        .limit(input.limit + 1);
      const page = toPage(rows, input.limit, eventOut);
      return { ...page, next_cursor: null };
    }
    const newestFirst = input.order !== "asc";
    const { after, order } = pageClause(
      { createdAt: fleet_events.created_at, id: fleet_events.id },
      input.cursor,
      newestFirst,
    );
    const rows = await ctx.db
      .select()
      .from(fleet_events)
      .where(whereAll(...filters, after))
      .orderBy(...order)
      .limit(input.limit + 1);
    return toPage(rows, input.limit, eventOut);
  },
});

export const eventGet = defineOperation({
  name: "event.get",
  title: "Get a fleet event",
  description:
    "Read one fleet event by id, with its payload, actor, source, correlation id and linked objects (node, instance, task, pool…).",
  examples: [
    { phrase: "show event 0190…", input: { id: "<event id>" } },
    { phrase: "details of that alert", input: { id: "<event id>" } },
  ],
  input: z.strictObject(IdInput),
  output: EventSchema,
  scope: "fleet:read",
  effect: "read",
  http: { method: "GET", path: "/events/:id" },
  async execute(ctx, input) {
    const [row] = await ctx.db
      .select()
      .from(fleet_events)
      .where(and(eq(fleet_events.id, input.id), eq(fleet_events.account_id, ctx.principal.accountId)))
      .limit(1);
    if (!row) throw notFound("event", input.id);
    return eventOut(row);
  },
});

export const eventCorrelation = defineOperation({
  name: "event.correlation",
  title: "Follow a correlation chain",
  description: `Every fleet event that shares one correlation id (one request, approval or skill run and everything it caused), oldest first by seq, up to ${CHAIN_LIMIT}; truncated says whether more exist (page the rest with event.list correlation_id). Not found when no event carries the id.`,
  examples: [
    { phrase: "what did request abc123 cause", input: { correlation_id: "abc123" } },
    { phrase: "show the whole chain for this approval", input: { correlation_id: "<correlation id>" } },
  ],
  input: z.strictObject({ correlation_id: z.string().min(1).max(200) }),
  output: z.strictObject({ correlation_id: z.string(), events: z.array(EventSchema), truncated: z.boolean() }),
  scope: "fleet:read",
  effect: "read",
  http: { method: "GET", path: "/events/correlation/:correlation_id" },
  async execute(ctx, input) {
    const rows = await ctx.db
      .select()
      .from(fleet_events)
      .where(
        and(
          eq(fleet_events.account_id, ctx.principal.accountId),
          eq(fleet_events.correlation_id, input.correlation_id),
        ),
      )
      .orderBy(asc(fleet_events.seq))
      .limit(CHAIN_LIMIT + 1);
    if (rows.length === 0) throw notFound("correlation chain", input.correlation_id);
    return {
      correlation_id: input.correlation_id,
      events: rows.slice(0, CHAIN_LIMIT).map(eventOut),
      truncated: rows.length > CHAIN_LIMIT,
    };
  },
});

export const eventOperations = [eventList, eventGet, eventCorrelation];
