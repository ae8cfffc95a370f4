// The target instance of an applier, locked for the transaction that moves it, and only within the
// acting account.
import { type DbOrTx, node_instances } from "@nodepilot/store";
import { and, eq } from "drizzle-orm";
import type { ApplierContext } from "./applier.ts";

export async function lockTarget(tx: DbOrTx, ctx: ApplierContext, instanceId: string) {
  const [row] = await tx
    .select()
    .from(node_instances)
    .where(and(eq(node_instances.account_id, ctx.principal.accountId), eq(node_instances.id, instanceId)))
    .for("update");
  return row;
}
