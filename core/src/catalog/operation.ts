// The shape of one catalog entry (DESIGN.md §3.1, spec/mcp.md §1). Surfaces are generated from these.
import type { DbOrTx } from "@nodepilot/store";
import type { z } from "zod";
import type { Principal } from "../auth/principal.ts";
import type { Scope } from "../auth/scopes.ts";
import type { OpContext } from "./context.ts";

export type Effect = "read" | "write" | "destructive";
export type HttpMethod = "GET" | "POST" | "PATCH" | "DELETE";

export interface OperationExample {
  phrase: string;
  input: Record<string, unknown>;
}

export interface HttpBinding {
  method: HttpMethod;
  /** Hono-style path under /api/v1, e.g. `/node_instances/:id/reboot`. */
  path: string;
  /** Success status; 202 for task-backed operations. */
  status: 200 | 201 | 202;
}

/** What one call of a bulk operation reaches, read by the gate before it decides (see `callScope`). */
export interface CallScope {
  /** The action categories the call acts under, strictest by default level first. */
  categories: readonly string[];
  /** What the call touches, put on its approval request as `plan.blast_radius`. */
  blastRadius: Record<string, unknown>;
}

export interface Operation<I extends z.ZodObject = z.ZodObject, O extends z.ZodType = z.ZodType, P = void> {
  name: string;
  title: string;
  description: string;
  examples: OperationExample[];
  input: I;
  output: O;
  scope: Scope;
  effect: Effect;
  /** Required for write and destructive operations; the autonomy gate matches on it. */
  actionCategory?: string;
  idempotent: boolean;
  principal: "operator" | "node" | "worker";
  returnsSecret: boolean;
  taskCommand?: string;
  /** Reaches systems outside Nodepilot (providers, feeds, git). */
  openWorld: boolean;
  /** List operations return `{items, has_more, next_cursor}`; REST unwraps them into data + meta. */
  list: boolean;
  http: HttpBinding;
  /** Spec marker g: an AI actor's call always needs a person's approval, whatever a policy says. */
  alwaysGated: boolean;
  deprecated?: { since: string; use_instead: string };
  /**
   * Reads a write operation needs from a transaction of its own (e.g. one REPEATABLE READ snapshot),
   * run before the write transaction opens, with `ctx.db` the pool. Its result is execute's third
   * argument. A transaction cannot wait on another connection's (embedded, that deadlocks), so such
   * reads cannot happen inside execute.
   */
  prepare?(ctx: OpContext, input: z.infer<I>): Promise<P>;
  /**
   * For an operation whose action category depends on its input (a bulk call over items of several
   * kinds): which categories this call acts under and what it reaches, read in the gate's
   * transaction. The gate resolves each category (and `actionCategory`) and the strictest decides,
   * so the whole call is one decision and, when gated, one approval. Throws the input's errors.
   */
  callScope?(db: DbOrTx, principal: Principal, input: z.infer<I>, now: Date): Promise<CallScope>;
  execute(ctx: OpContext, input: z.infer<I>, prepared: P): Promise<z.infer<O>>;
}

// biome-ignore lint/suspicious/noExplicitAny: the catalog holds operations whose prepared values differ.
export type AnyOperation = Operation<z.ZodObject, z.ZodType, any>;

const NAME = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;

type OperationSpec<I extends z.ZodObject, O extends z.ZodType, P> = Omit<
  Operation<I, O, P>,
  "idempotent" | "principal" | "returnsSecret" | "openWorld" | "list" | "http" | "alwaysGated"
> & {
  alwaysGated?: boolean;
  idempotent?: boolean;
  principal?: Operation["principal"];
  returnsSecret?: boolean;
  openWorld?: boolean;
  list?: boolean;
  http: Omit<HttpBinding, "status"> & { status?: HttpBinding["status"] };
};

/** Define an operation; checks the rules a build must enforce (name, effect, category, docs). */
export function defineOperation<I extends z.ZodObject, O extends z.ZodType, P = void>(
  spec: OperationSpec<I, O, P>,
): Operation<I, O, P> {
  if (!NAME.test(spec.name) || spec.name.length > 48) throw new Error(`operation name ${spec.name} is not valid`);
  if (spec.effect !== "read" && !spec.actionCategory) {
    throw new Error(`operation ${spec.name} is ${spec.effect} but has no action category`);
  }
  if (spec.description.length > 1024) throw new Error(`operation ${spec.name} description is over 1024 chars`);
  if (spec.prepare && spec.effect === "read") throw new Error(`operation ${spec.name} is a read: it needs no prepare`);
  if (spec.alwaysGated && spec.effect === "read")
    throw new Error(`operation ${spec.name} is a read: it cannot be gated`);
  if (spec.examples.length < 2) throw new Error(`operation ${spec.name} needs at least two examples`);
  const idempotent = spec.idempotent ?? spec.effect === "read";
  if (!idempotent && !("idempotency_key" in spec.input.shape)) {
    throw new Error(`operation ${spec.name} is not idempotent and must accept idempotency_key`);
  }
  return {
    ...spec,
    idempotent,
    principal: spec.principal ?? "operator",
    returnsSecret: spec.returnsSecret ?? false,
    openWorld: spec.openWorld ?? false,
    list: spec.list ?? false,
    alwaysGated: spec.alwaysGated ?? false,
    http: {
      ...spec.http,
      status: spec.http.status ?? (spec.taskCommand ? 202 : spec.http.method === "POST" ? 201 : 200),
    },
  };
}
