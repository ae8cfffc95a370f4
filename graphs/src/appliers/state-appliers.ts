// Appliers that change the platform's own records (spec/autonomy.md §3.9): reconcile an instance
// to what its provider reports (DB only), quarantine a suspected-compromised instance (cordon, then
// terminate through the catalog), and rotate an identity certificate (revoke a superseded one, or
// ask the running node's agent to renew — the key and CSR are made on the node).
import { emitEvent, invoke, revokeCertificate, transitionInstance } from "@nodepilot/core";
import { node_certificates, node_instances } from "@nodepilot/store";
import { and, eq } from "drizzle-orm";
import { type Applier, type ApplierContext, refused } from "./applier.ts";
import { lockTarget } from "./target.ts";

const EVENT_FOR: Record<string, "mark_stopped" | "mark_terminated" | "mark_errored"> = {
  stopped: "mark_stopped",
  terminated: "mark_terminated",
  error: "mark_errored",
};

const origin = (ctx: ApplierContext, applier: string) => ({
  principal: ctx.principal,
  source: `applier:${applier}` as const,
  correlationId: ctx.correlationId,
  now: ctx.now,
});

export const instanceReconcileState: Applier = {
  name: "instance_reconcile_state",
  categories: ["instance.reconcile_state"],
  operations: [],
  async apply(ctx, input) {
    const to = input.action.params.actual_status;
    const event = typeof to === "string" ? EVENT_FOR[to] : undefined;
    if (!event) return refused("unsupported_provider_status", { actual_status: to ?? null });
    return ctx.services.database.db.transaction(async (tx) => {
      const instance = await lockTarget(tx, ctx, input.action.target.id);
      if (!instance) return refused("target_not_found");
      // The sensor saw a running instance; anything else since means someone already moved it.
      if (instance.status !== "running") return refused("convergence_deferred", { status: instance.status });
      await transitionInstance(tx, origin(ctx, "instance_reconcile_state"), instance, event, {
        reason: `provider reports ${to}`,
      });
      return {
        status: "applied",
        task_ids: [],
        result: { from_status: "running", to_status: to },
        scored: true,
      } as const;
    });
  },
};

export const instanceQuarantine: Applier = {
  name: "instance_quarantine",
  categories: ["instance.quarantine"],
  operations: ["instance.cordon", "instance.terminate"],
  async apply(ctx, input) {
    if (input.action.target.type !== "node_instance") return refused("target_not_an_instance");
    const meta = { source: "applier:instance_quarantine" as const, correlationId: ctx.correlationId };
    const id = input.action.target.id;
    await invoke(ctx.services, ctx.catalog.get("instance.cordon")!, ctx.principal, { id }, meta);
    const out = (await invoke(
      ctx.services,
      ctx.catalog.get("instance.terminate")!,
      ctx.principal,
      { id, idempotency_key: input.key },
      { ...meta, idempotencyKey: input.key },
    )) as { task?: { id: string } | null };
    return {
      status: "applied",
      task_ids: out.task ? [out.task.id] : [],
      // SDWAN detach (§3.9) has no executor yet: the terminate removes the peer with the instance.
      result: { cordoned: true, terminate: "queued", sdwan_detach: "not_available" },
      scored: true,
    };
  },
};

export const certRotate: Applier = {
  name: "cert_rotate",
  categories: ["cert.rotate"],
  operations: ["task.create"],
  async apply(ctx, input) {
    const db = ctx.services.database.db;
    const [cert] = await db
      .select()
      .from(node_certificates)
      .where(
        and(
          eq(node_certificates.account_id, ctx.principal.accountId),
          eq(node_certificates.id, input.action.target.id),
        ),
      );
    if (!cert) return refused("target_not_found");
    if (cert.revoked_at) return refused("already_revoked");
    if (input.action.params.superseded === true) {
      await db.transaction(async (tx) => {
        await revokeCertificate(tx, origin(ctx, "cert_rotate"), {
          certificateId: cert.id,
          reason: "superseded",
          now: ctx.now,
        });
        await emitEvent(tx, origin(ctx, "cert_rotate"), {
          kind: "autonomy.certificate_revoked",
          severity: "low",
          subject_type: "certificate",
          subject_id: cert.id,
          payload: { certificate_id: cert.id, reason: "superseded by a newer certificate" },
        });
      });
      return { status: "applied", task_ids: [], result: { revoked: cert.id, reason: "superseded" }, scored: true };
    }
    const instanceId = cert.node_instance_id;
    if (!instanceId) return refused("instance_not_running");
    const [instance] = await db
      .select({ status: node_instances.status })
      .from(node_instances)
      .where(eq(node_instances.id, instanceId));
    if (instance?.status !== "running") return refused("instance_not_running", { status: instance?.status ?? null });
    const out = (await invoke(
      ctx.services,
      ctx.catalog.get("task.create")!,
      ctx.principal,
      {
        subject_type: "node_instance",
        subject_id: instanceId,
        command: "renew_certificate",
        payload: {},
        idempotency_key: input.key,
      },
      { source: "applier:cert_rotate", correlationId: ctx.correlationId, idempotencyKey: input.key },
    )) as { task: { id: string } };
    return { status: "applied", task_ids: [out.task.id], result: { command: "renew_certificate" }, scored: true };
  },
};
