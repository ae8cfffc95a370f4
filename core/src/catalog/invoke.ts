// The one call pipeline every surface uses: principal kind → scope → parse input → (idempotency
// replay) → execute in a transaction → parse output (spec/mcp.md §4). Surfaces only translate.
import { createHash, randomUUID } from "node:crypto";
import { idempotency_records } from "@nodepilot/store";
import { and, eq, gt } from "drizzle-orm";
import type { z } from "zod";
import type { Principal } from "../auth/principal.ts";
import { hasScope } from "../auth/scopes.ts";
import { AppError, conflict, forbidden, fromZodError, toAppError } from "../errors.ts";
import type { EventSource } from "../events/emit.ts";
import { canonicalJson } from "../lib/canonical-json.ts";
import type { OpContext, Services } from "./context.ts";
import type { AnyOperation } from "./operation.ts";

export interface InvokeMeta {
  source: EventSource;
  requestId?: string;
  correlationId?: string | null;
  /** From an Idempotency-Key header; an `idempotency_key` input field wins. */
  idempotencyKey?: string | undefined;
}

const IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000;

export function requireScope(op: AnyOperation, principal: Principal): void {
  if (op.principal !== principal.kind) {
    throw forbidden(`${op.name} is not callable by a ${principal.kind} principal`, { reason: "wrong_principal" });
  }
  if (!hasScope(principal.scopes, principal.role, op.scope)) {
    throw forbidden(`${op.name} requires scope ${op.scope}`, {
      reason: "missing_scope",
      details: { required_scope: op.scope },
    });
  }
}

export function parseInput<O extends AnyOperation>(op: O, raw: unknown): z.infer<O["input"]> {
  const parsed = op.input.safeParse(raw ?? {});
  if (!parsed.success) throw fromZodError(parsed.error);
  return parsed.data as z.infer<O["input"]>;
}

const replayContext = (op: AnyOperation) => `idempotency_records.response:${op.name}`;

function sealReplay(services: Services, op: AnyOperation, out: unknown): object {
  return { sealed: services.secrets.seal(JSON.stringify(out), replayContext(op)) };
}

function openReplay(services: Services, op: AnyOperation, stored: unknown): unknown {
  const sealed = (stored as { sealed?: unknown }).sealed;
  if (typeof sealed !== "string") throw new AppError("internal", `stored replay of ${op.name} is not sealed`);
  return JSON.parse(services.secrets.open(sealed, replayContext(op)));
}

export async function invoke(
  services: Services,
  op: AnyOperation,
  principal: Principal,
  rawInput: unknown,
  meta: InvokeMeta,
): Promise<unknown> {
  requireScope(op, principal);
  const input = parseInput(op, rawInput) as Record<string, unknown>;
  const after: (() => void)[] = [];
  const base = {
    principal,
    services,
    requestId: meta.requestId ?? randomUUID(),
    correlationId: meta.correlationId ?? null,
    source: meta.source,
    now: services.clock(),
    afterCommit: (fn: () => void) => after.push(fn),
  };
  let prepared: unknown;
  const run = async (ctx: OpContext) => {
    const out = await op.execute(ctx, input, prepared);
    const parsed = op.output.safeParse(out);
    if (!parsed.success) {
      throw new AppError("internal", `${op.name} produced output that does not match its schema`, {
        cause: parsed.error,
      });
    }
    return parsed.data;
  };
  try {
    let result: unknown;
    if (op.effect === "read") {
      result = await run({ ...base, db: services.database.db });
    } else {
      if (op.prepare) prepared = await op.prepare({ ...base, db: services.database.db }, input);
      const key =
        (typeof input.idempotency_key === "string" ? input.idempotency_key : undefined) ?? meta.idempotencyKey;
      // An AppError flagged `commit` is a recorded refusal: keep the transaction, then answer with it.
      let committedRefusal: AppError | undefined;
      const runKeepingRefusals = async (ctx: OpContext) => {
        try {
          return await run(ctx);
        } catch (err) {
          if (err instanceof AppError && err.commit) {
            committedRefusal = err;
            return undefined;
          }
          throw err;
        }
      };
      result = await services.database.db.transaction(async (tx) => {
        const ctx: OpContext = { ...base, db: tx };
        if (!key) return runKeepingRefusals(ctx);
        const { idempotency_key: _ignored, ...hashed } = input;
        const requestSha = createHash("sha256").update(canonicalJson(hashed)).digest("hex");
        const [prior] = await tx
          .select()
          .from(idempotency_records)
          .where(
            and(
              eq(idempotency_records.account_id, principal.accountId),
              eq(idempotency_records.operation, op.name),
              eq(idempotency_records.key, key),
              gt(idempotency_records.created_at, new Date(base.now.getTime() - IDEMPOTENCY_TTL_MS)),
            ),
          )
          .limit(1);
        if (prior) {
          if (prior.request_sha256 !== requestSha) {
            throw conflict("this idempotency key was used with a different request", {
              reason: "idempotency_mismatch",
            });
          }
          return op.returnsSecret ? openReplay(services, op, prior.response) : prior.response;
        }
        const out = await runKeepingRefusals(ctx);
        if (committedRefusal) return undefined;
        // A response that carries a plaintext secret is kept only sealed under the master key.
        const stored = op.returnsSecret ? sealReplay(services, op, out) : (out as object);
        await tx
          .insert(idempotency_records)
          .values({
            account_id: principal.accountId,
            key,
            operation: op.name,
            request_sha256: requestSha,
            status: op.http.status,
            response: stored,
          })
          .onConflictDoUpdate({
            target: [idempotency_records.account_id, idempotency_records.operation, idempotency_records.key],
            set: { request_sha256: requestSha, response: stored, created_at: base.now },
          });
        return out;
      });
      if (committedRefusal) {
        for (const fn of after) fn();
        throw committedRefusal;
      }
    }
    for (const fn of after) fn();
    return result;
  } catch (err) {
    throw toAppError(err);
  }
}
