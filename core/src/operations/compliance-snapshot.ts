// Compliance snapshots over the catalog (spec/autonomy.md §7, spec/mcp.md "Compliance (security)"):
// take one on demand, list the archive, read one decoded, and verify the account's hash chain. The
// document covers the whole account, so a token limited to some environments may not take or read
// one (spec/mcp.md §4: such a token is refused on subjects outside its environments).
import { compliance_snapshots } from "@nodepilot/store";
import { desc, eq, lt, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { OpContext } from "../catalog/context.ts";
import { defineOperation } from "../catalog/operation.ts";
import { appendSnapshot, decodeDocument, verifyChain } from "../compliance/chain.ts";
import { readSnapshotBody } from "../compliance/create.ts";
import type { DocumentBody } from "../compliance/document.ts";
import { forbidden, invalidInput } from "../errors.ts";
import { findInAccount } from "../lib/find.ts";
import { whereAll } from "../lib/pagination.ts";
import { IdempotencyKey, IdInput, Timestamp, Uuid } from "../schemas/common.ts";

function requireWholeAccount(ctx: OpContext): void {
  if (ctx.principal.environmentIds.length > 0) {
    throw forbidden("a compliance snapshot covers every environment; this token is limited to some", {
      reason: "environment_restricted",
    });
  }
}

const generatedBy = (ctx: OpContext) =>
  ctx.principal.userId ? `user:${ctx.principal.userId}` : `${ctx.principal.actorType}:${ctx.principal.actorId}`;

const Hash = z.string().regex(/^[0-9a-f]{64}$/);

const SnapshotSummary = z.strictObject({
  id: Uuid,
  sequence: z.number().int(),
  kind: z.enum(["daily", "on_demand"]),
  generated_at: Timestamp,
  generated_by: z.string(),
  document_hash: Hash,
  prev_hash: Hash,
  signature: z
    .string()
    .nullable()
    .describe("base64 Ed25519 over `nodepilot-compliance-snapshot-v1\\n<document_hash>`."),
  signature_key_id: z.string().nullable().describe("The delivery key that signed; public keys are in /agent/v1/trust."),
  counts: z.record(z.string(), z.number()),
  size_bytes: z.number().int().describe("Size of the stored gzip document."),
});

type Row = typeof compliance_snapshots.$inferSelect;

const summaryOut = (r: Row): z.infer<typeof SnapshotSummary> => ({
  id: r.id,
  sequence: r.sequence,
  kind: r.kind,
  generated_at: r.generated_at.toISOString(),
  generated_by: r.generated_by,
  document_hash: r.document_hash,
  prev_hash: r.prev_hash,
  signature: r.signature,
  signature_key_id: r.signature_key_id,
  counts: r.counts,
  size_bytes: r.document.length,
});

export const complianceSnapshotCreate = defineOperation({
  name: "compliance_snapshot.create",
  title: "Take a compliance snapshot",
  description:
    "Archive an on-demand compliance snapshot of the whole account: nodes, instances, modules and their trust policies, certificates, open CVE exposures, drift, the last 24 h of autonomy decisions and approvals, active policies and a learnings summary, as canonical JSON. It is appended to the account's hash chain (sequence, prev_hash, SHA-256 document_hash) and signed with the account's delivery key when it has one.",
  examples: [
    { phrase: "take a compliance snapshot now", input: {} },
    { phrase: "archive the fleet's audit state before the review", input: { idempotency_key: "audit-2026-q1" } },
  ],
  input: z.strictObject({ idempotency_key: IdempotencyKey }),
  output: z.strictObject({ id: Uuid, sequence: z.number().int(), document_hash: Hash }),
  scope: "security:write",
  effect: "write",
  actionCategory: "compliance.snapshot",
  http: { method: "POST", path: "/compliance/snapshots" },
  async prepare(ctx): Promise<DocumentBody> {
    requireWholeAccount(ctx);
    return readSnapshotBody(
      ctx.services.database.db,
      ctx.principal.accountId,
      "on_demand",
      ctx.now,
      ctx.services.buildSha,
    );
  },
  async execute(ctx, _input, body) {
    const out = await appendSnapshot(
      ctx.db,
      { ...ctx, source: "compliance" },
      { body, kind: "on_demand", generatedBy: generatedBy(ctx), secrets: ctx.services.secrets },
    );
    return { id: out.id, sequence: out.sequence, document_hash: out.document_hash };
  },
});

const encodeCursor = (sequence: number) => Buffer.from(JSON.stringify({ s: sequence })).toString("base64url");

function decodeCursor(cursor: string | undefined): number | undefined {
  if (!cursor) return undefined;
  try {
    const s = (JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as { s?: unknown }).s;
    if (typeof s === "number" && Number.isInteger(s) && s >= 1) return s;
  } catch {
    // fall through to the error below
  }
  throw invalidInput("cursor: not a cursor from this API", [{ path: "cursor", message: "malformed cursor" }]);
}

export const complianceSnapshotList = defineOperation({
  name: "compliance_snapshot.list",
  title: "List compliance snapshots",
  description:
    "The account's archived compliance snapshots, newest (highest sequence) first, optionally only daily or on_demand ones: sequence, when and by whom it was taken, document_hash and prev_hash, signature, and the counts (nodes, instances, running, modules, live and retired module versions, active certificates, open CVE exposures). Paginated with limit and cursor.",
  examples: [
    { phrase: "list compliance snapshots", input: {} },
    { phrase: "the last five daily compliance archives", input: { kind: "daily", limit: 5 } },
  ],
  input: z.strictObject({
    limit: z.number().int().min(1).max(200).default(50).describe("Page size, 1–200 (default 50)."),
    cursor: z.string().min(1).optional().describe("Opaque cursor from a previous page's next_cursor."),
    kind: z.enum(["daily", "on_demand"]).optional(),
  }),
  output: z.strictObject({
    items: z.array(SnapshotSummary),
    has_more: z.boolean(),
    next_cursor: z.string().nullable(),
  }),
  scope: "security:read",
  effect: "read",
  list: true,
  http: { method: "GET", path: "/compliance/snapshots" },
  async execute(ctx, input) {
    requireWholeAccount(ctx);
    const s = compliance_snapshots;
    const before = decodeCursor(input.cursor);
    const filters: (SQL | undefined)[] = [
      eq(s.account_id, ctx.principal.accountId),
      input.kind ? eq(s.kind, input.kind) : undefined,
      before === undefined ? undefined : lt(s.sequence, before),
    ];
    const rows = await ctx.db
      .select()
      .from(s)
      .where(whereAll(...filters))
      .orderBy(desc(s.sequence))
      .limit(input.limit + 1);
    const has_more = rows.length > input.limit;
    const page = has_more ? rows.slice(0, input.limit) : rows;
    const last = page[page.length - 1];
    return {
      items: page.map(summaryOut),
      has_more,
      next_cursor: has_more && last ? encodeCursor(last.sequence) : null,
    };
  },
});

export const complianceSnapshotVerify = defineOperation({
  name: "compliance_snapshot.verify",
  title: "Verify the compliance chain",
  description:
    "Recompute every archived snapshot's SHA-256 and check the chain from the first snapshot (or the retention anchor) to the newest: consecutive sequences, each prev_hash equal to the previous document_hash, each document hashing to its document_hash, and each signature verifying. Answers valid and how many were checked, or the first bad sequence and why (gap, broken_link, hash_mismatch, bad_signature).",
  examples: [
    { phrase: "is the compliance archive intact", input: {} },
    { phrase: "verify the audit hash chain", input: {} },
  ],
  input: z.strictObject({}),
  output: z.strictObject({
    valid: z.boolean(),
    checked: z.number().int(),
    first_bad_sequence: z.number().int().optional(),
    reason: z.enum(["hash_mismatch", "broken_link", "gap", "bad_signature"]).optional(),
  }),
  scope: "security:read",
  effect: "read",
  http: { method: "GET", path: "/compliance/snapshots/verify" },
  async execute(ctx) {
    requireWholeAccount(ctx);
    return verifyChain(ctx.services.database.db, ctx.principal.accountId);
  },
});

export const complianceSnapshotGet = defineOperation({
  name: "compliance_snapshot.get",
  title: "Get a compliance snapshot",
  description:
    "One archived compliance snapshot with its decoded document (schema_version 1: metadata, nodes, instances, modules, certificates, cve_exposures, drift, autonomy_decisions, policies, approvals, learnings_summary, counts, integrity). The document is returned as stored, so compliance_snapshot.verify, not this read, says whether it is intact.",
  examples: [
    { phrase: "show compliance snapshot 0190…", input: { id: "<snapshot id>" } },
    { phrase: "what did the last audit snapshot contain", input: { id: "<snapshot id>" } },
  ],
  input: z.strictObject(IdInput),
  output: SnapshotSummary.extend({ document: z.record(z.string(), z.unknown()) }),
  scope: "security:read",
  effect: "read",
  http: { method: "GET", path: "/compliance/snapshots/:id" },
  async execute(ctx, input) {
    requireWholeAccount(ctx);
    const row = await findInAccount(
      ctx.db,
      compliance_snapshots,
      ctx.principal.accountId,
      input.id,
      "compliance snapshot",
    );
    return { ...summaryOut(row), document: decodeDocument(row.document) };
  },
});

// verify before get: both are GET /compliance/snapshots/…, and the first route registered wins.
export const complianceSnapshotOperations = [
  complianceSnapshotCreate,
  complianceSnapshotList,
  complianceSnapshotVerify,
  complianceSnapshotGet,
] as const;
