// Module version operations (spec/domain.md §1.4, §2.4, §3.9): artifacts are registered on a draft
// version, publish runs the gates and moves draft → staging (and the following pointer when
// auto_promote), deprecate and retire walk the rest of the ladder.
import {
  environments,
  module_artifacts,
  module_environment_pins,
  module_versions,
  node_instances,
  node_modules,
  node_platforms,
} from "@nodepilot/store";
import { and, eq, inArray, ne, type SQL, sql } from "drizzle-orm";
import { z } from "zod";
import type { OpContext } from "../catalog/context.ts";
import { defineOperation } from "../catalog/operation.ts";
import { evaluatePublishGates, type GateFailure, OCI_DIGEST, publishErrorText } from "../composition/publish-gates.ts";
import { SignatureBundleSchema, TrustPolicySchema } from "../composition/trust-policy.ts";
import { conflict, invalidInput } from "../errors.ts";
import { emitEvent } from "../events/emit.ts";
import { findInAccount } from "../lib/find.ts";
import { listInputShape, listOutput, pageClause, toPage, whereAll } from "../lib/pagination.ts";
import { mustTransition } from "../machines/machine.ts";
import { moduleVersionMachine } from "../machines/module-version-machine.ts";
import {
  Architecture,
  IdempotencyKey,
  IdInput,
  NullableTimestamp,
  Timestamp,
  toJson,
  Uuid,
} from "../schemas/common.ts";

type VersionRow = typeof module_versions.$inferSelect;
type ArtifactRow = typeof module_artifacts.$inferSelect;

const ArtifactSchema = z.strictObject({
  id: Uuid,
  module_version_id: Uuid,
  architecture: Architecture,
  oci_ref: z.string(),
  oci_digest: z.string(),
  media_type: z.string(),
  size_bytes: z.number().int(),
  fsverity_root_hash: z.string(),
  signature_bundle: z.record(z.string(), z.unknown()).nullable(),
  delivery_signature: z.string().nullable(),
  sbom_uri: z.string().nullable(),
  built_at: NullableTimestamp,
  created_at: Timestamp,
});

const VersionSchema = z.strictObject({
  id: Uuid,
  node_module_id: Uuid,
  version_number: z.number().int(),
  source_version: z.string().nullable(),
  promotion_state: z.enum(["draft", "staging", "blessed", "live", "deprecated", "retired"]),
  staging_at: NullableTimestamp,
  blessed_at: NullableTimestamp,
  live_at: NullableTimestamp,
  deprecated_at: NullableTimestamp,
  retired_at: NullableTimestamp,
  mask: z.array(z.string()),
  file_spec: z.array(z.string()),
  package_spec: z.array(z.string()),
  dependency_spec: z.array(z.string()),
  protected_spec: z.array(z.string()),
  config: z.record(z.string(), z.unknown()),
  manifest: z.record(z.string(), z.unknown()).nullable(),
  manifest_sha256: z.string().nullable(),
  oci_digest: z.string().nullable(),
  fsverity_root_hash: z.string().nullable(),
  size_bytes: z.number().int().nullable(),
  sbom_uri: z.string().nullable(),
  vex_uri: z.string().nullable(),
  provenance_uri: z.string().nullable(),
  changelog: z.string().nullable(),
  build_fingerprint: z.string().nullable(),
  created_by_id: Uuid.nullable(),
  publish_error: z.string().nullable(),
  version: z.number().int(),
  created_at: Timestamp,
  updated_at: Timestamp,
  current: z.boolean().describe("Whether this is the module's current version (what following environments get)."),
  pinned_in: z.array(z.strictObject({ environment_id: Uuid, environment_name: z.string(), promoted_at: Timestamp })),
  artifacts: z.array(ArtifactSchema),
});

const artifactOut = ({ account_id: _a, ...rest }: ArtifactRow) => toJson(rest);

/** Versions with their `current` flag, pins and artifacts, in as few queries as rows allow. */
async function versionsOut(ctx: OpContext, rows: VersionRow[]): Promise<z.infer<typeof VersionSchema>[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const moduleIds = [...new Set(rows.map((r) => r.node_module_id))];
  // Sequential on purpose: inside a transaction these share one connection.
  const mods = await ctx.db
    .select({ id: node_modules.id, current: node_modules.current_version_id })
    .from(node_modules)
    .where(inArray(node_modules.id, moduleIds));
  const pins = await ctx.db
    .select({
      version: module_environment_pins.module_version_id,
      environment_id: environments.id,
      environment_name: environments.name,
      promoted_at: module_environment_pins.promoted_at,
    })
    .from(module_environment_pins)
    .innerJoin(environments, eq(environments.id, module_environment_pins.environment_id))
    .where(inArray(module_environment_pins.module_version_id, ids));
  const artifacts = await ctx.db
    .select()
    .from(module_artifacts)
    .where(inArray(module_artifacts.module_version_id, ids))
    .orderBy(module_artifacts.architecture);
  const currentIds = new Set(mods.map((m) => m.current));
  return rows.map(({ account_id: _a, ...v }) =>
    toJson({
      ...v,
      current: currentIds.has(v.id),
      pinned_in: pins.filter((p) => p.version === v.id).map(({ version: _v, ...p }) => p),
      artifacts: artifacts.filter((a) => a.module_version_id === v.id).map(artifactOut),
    }),
  );
}

async function loadVersion(ctx: OpContext, id: string, forUpdate = false) {
  return findInAccount(ctx.db, module_versions, ctx.principal.accountId, id, "module version", { forUpdate });
}

export const moduleVersionList = defineOperation({
  name: "module_version.list",
  title: "List module versions",
  description:
    "List module versions, newest first, optionally for one module and/or promotion state. Each carries `current` (the module's following pointer), `pinned_in[]` (environments pinning it) and its artifacts.",
  examples: [
    { phrase: "list the versions of nginx", input: { node_module_id: "<module id>" } },
    { phrase: "which versions are still drafts", input: { promotion_state: "draft" } },
  ],
  input: z.strictObject({
    ...listInputShape,
    node_module_id: Uuid.optional(),
    promotion_state: z.enum(["draft", "staging", "blessed", "live", "deprecated", "retired"]).optional(),
  }),
  output: listOutput(VersionSchema),
  scope: "fleet:read",
  effect: "read",
  list: true,
  http: { method: "GET", path: "/module_versions" },
  async execute(ctx, input) {
    const v = module_versions;
    const { after, order } = pageClause({ createdAt: v.created_at, id: v.id }, input.cursor, true);
    const filters: (SQL | undefined)[] = [
      eq(v.account_id, ctx.principal.accountId),
      input.node_module_id ? eq(v.node_module_id, input.node_module_id) : undefined,
      input.promotion_state ? eq(v.promotion_state, input.promotion_state) : undefined,
      after,
    ];
    const rows = await ctx.db
      .select()
      .from(v)
      .where(whereAll(...filters))
      .orderBy(...order)
      .limit(input.limit + 1);
    const page = toPage(rows, input.limit, (r) => r);
    return { ...page, items: await versionsOut(ctx, page.items) };
  },
});

export const moduleVersionGet = defineOperation({
  name: "module_version.get",
  title: "Get a module version",
  description:
    "Read one module version: promotion state and timestamps, spec snapshots, publish_error, artifacts, `current` and `pinned_in[]`.",
  examples: [
    { phrase: "show module version 0190…", input: { id: "<version id>" } },
    { phrase: "why did this version fail to publish", input: { id: "<version id>" } },
  ],
  input: z.strictObject(IdInput),
  output: VersionSchema,
  scope: "fleet:read",
  effect: "read",
  http: { method: "GET", path: "/module_versions/:id" },
  async execute(ctx, input) {
    const [out] = await versionsOut(ctx, [await loadVersion(ctx, input.id)]);
    return out!;
  },
});

function mustBeDraft(v: VersionRow, action: string) {
  if (v.promotion_state !== "draft") {
    throw conflict(`cannot ${action}: version ${v.version_number} is ${v.promotion_state}, and only drafts change`, {
      reason: "version_immutable",
      current_state: v.promotion_state,
    });
  }
}

export const moduleVersionAddArtifact = defineOperation({
  name: "module_version.add_artifact",
  title: "Register a module artifact",
  description:
    "Register the built artifact of a draft version for one architecture: OCI ref and digest (sha256:<64 hex>), media type, size, fs-verity root hash and the publisher's signature bundle ({alg:'ed25519', signature_b64, key_index} over the canonical JSON of {module_id, version_number, architecture, oci_digest, fsverity_root_hash, size_bytes}, or a Sigstore bundle). One artifact per architecture; published versions are immutable.",
  examples: [
    {
      phrase: "register the amd64 build of nginx v3",
      input: {
        id: "<version id>",
        architecture: "amd64",
        oci_ref: "registry.example/acme/modules/nginx:3-amd64",
        oci_digest: `sha256:${"0".repeat(64)}`,
        media_type: "application/vnd.nodepilot.module.erofs.v1",
        size_bytes: 1048576,
        fsverity_root_hash: "0".repeat(64),
      },
    },
    {
      phrase: "attach the signed arm64 artifact",
      input: {
        id: "<version id>",
        architecture: "arm64",
        oci_ref: "registry.example/acme/modules/nginx:3-arm64",
        oci_digest: `sha256:${"1".repeat(64)}`,
        media_type: "application/vnd.nodepilot.module.erofs.v1",
        size_bytes: 1048576,
        fsverity_root_hash: "1".repeat(64),
        signature_bundle: { alg: "ed25519", signature_b64: "<base64>", key_index: 0 },
      },
    },
  ],
  input: z.strictObject({
    ...IdInput,
    architecture: Architecture,
    oci_ref: z.string().min(1).max(2048),
    oci_digest: z.string().regex(OCI_DIGEST, "must be sha256:<64 lower-case hex>"),
    media_type: z.string().min(1).max(255),
    size_bytes: z.number().int().min(0),
    fsverity_root_hash: z.string().regex(/^[0-9a-f]{64}$/, "must be 64 lower-case hex (SHA-256 fs-verity digest)"),
    signature_bundle: SignatureBundleSchema.optional(),
    sbom_uri: z.string().min(1).max(2048).optional(),
    built_at: Timestamp.optional(),
    idempotency_key: IdempotencyKey,
  }),
  output: ArtifactSchema,
  scope: "fleet:write",
  effect: "write",
  actionCategory: "module_version.add_artifact",
  idempotent: false,
  http: { method: "POST", path: "/module_versions/:id/artifacts" },
  async execute(ctx, input) {
    const v = await loadVersion(ctx, input.id, true);
    mustBeDraft(v, "add an artifact");
    const [mod] = await ctx.db.select().from(node_modules).where(eq(node_modules.id, v.node_module_id));
    if (mod?.node_platform_id) {
      const platform = await findInAccount(
        ctx.db,
        node_platforms,
        ctx.principal.accountId,
        mod.node_platform_id,
        "node platform",
      );
      if (!platform.architectures.includes(input.architecture)) {
        throw invalidInput(`architecture: platform ${platform.name} does not build ${input.architecture}`, [
          { path: "architecture", message: `must be one of ${platform.architectures.join(", ")}` },
        ]);
      }
    }
    const dup = await ctx.db
      .select({ id: module_artifacts.id })
      .from(module_artifacts)
      .where(and(eq(module_artifacts.module_version_id, v.id), eq(module_artifacts.architecture, input.architecture)))
      .limit(1);
    if (dup[0]) {
      throw conflict(`version ${v.version_number} already has a ${input.architecture} artifact`, {
        reason: "already_exists",
        details: { artifact_id: dup[0].id },
      });
    }
    const [row] = await ctx.db
      .insert(module_artifacts)
      .values({
        account_id: ctx.principal.accountId,
        module_version_id: v.id,
        architecture: input.architecture,
        oci_ref: input.oci_ref,
        oci_digest: input.oci_digest,
        media_type: input.media_type,
        size_bytes: input.size_bytes,
        fsverity_root_hash: input.fsverity_root_hash,
        signature_bundle: input.signature_bundle ?? null,
        sbom_uri: input.sbom_uri ?? null,
        built_at: input.built_at ? new Date(input.built_at) : null,
        created_at: ctx.now,
      })
      .returning();
    if (!row) throw new Error("artifact insert returned nothing");
    // The version's content changed: bump it so concurrent publishes see a new version.
    await ctx.db
      .update(module_versions)
      .set({ version: v.version + 1, updated_at: ctx.now })
      .where(eq(module_versions.id, v.id));
    await emitEvent(ctx.db, ctx, {
      kind: "module_version.artifact_added",
      payload: {
        architecture: row.architecture,
        oci_digest: row.oci_digest,
        size_bytes: row.size_bytes,
        version_number: v.version_number,
      },
      subject_type: "module_version",
      subject_id: v.id,
      node_module_id: v.node_module_id,
      module_version_id: v.id,
    });
    return artifactOut(row);
  },
});

/**
 * A refused publish must leave its trace (publish_error, module.publish_refused) while the request
 * itself answers 409 — and the request's transaction rolls back on that answer. So the trace is
 * written in its own transaction, started here and run once the request's transaction has let go
 * of the version row; it is conditional on the version still being a draft.
 */
/** Keep the draft, record why, and emit the refusal; committed with the 409 (AppError `commit`). */
async function recordRefusal(ctx: OpContext, v: VersionRow, failures: GateFailure[], publishError: string) {
  await ctx.db
    .update(module_versions)
    .set({ publish_error: publishError, version: sql`${module_versions.version} + 1`, updated_at: ctx.now })
    .where(and(eq(module_versions.id, v.id), eq(module_versions.promotion_state, "draft")));
  await emitEvent(ctx.db, ctx, {
    kind: "module.publish_refused",
    severity: "high",
    payload: { version_number: v.version_number, publish_error: publishError, failed_gates: failures },
    subject_type: "module_version",
    subject_id: v.id,
    node_module_id: v.node_module_id,
    module_version_id: v.id,
  });
}

export const moduleVersionPublish = defineOperation({
  name: "module_version.publish",
  title: "Publish a module version",
  description:
    "Move a draft version to staging after the publish gates: the module has a trust_policy (else invalid_input/trust_policy_missing); every architecture of the module's platform has an artifact with a sha256 digest, an fs-verity root hash, ≥ 4096 bytes and a publisher signature valid under the policy (Ed25519 key authorities are verified; keyless Sigstore verification is not available yet). A failed gate keeps the draft, records publish_error, emits module.publish_refused and answers conflict/publish_refused naming the gates. On success the module's current version moves when auto_promote is set.",
  examples: [
    { phrase: "publish nginx version 3", input: { id: "<version id>" } },
    { phrase: "push the draft of module 0190… to staging", input: { id: "<version id>" } },
  ],
  input: z.strictObject({ ...IdInput, idempotency_key: IdempotencyKey }),
  output: z.strictObject({
    version: VersionSchema,
    current_moved: z.boolean().describe("Whether the module's current version now points here."),
  }),
  scope: "fleet:write",
  effect: "write",
  actionCategory: "module_version.publish",
  idempotent: false,
  http: { method: "POST", path: "/module_versions/:id/publish", status: 200 },
  async execute(ctx, input) {
    const v = await loadVersion(ctx, input.id, true);
    const step = mustTransition(
      moduleVersionMachine,
      v.promotion_state,
      "publish",
      `module version ${v.version_number}`,
    );
    const mod = await findInAccount(ctx.db, node_modules, ctx.principal.accountId, v.node_module_id, "module", {
      forUpdate: true,
    });
    const policy = mod.trust_policy ? TrustPolicySchema.safeParse(mod.trust_policy) : undefined;
    if (!policy?.success) {
      throw invalidInput(
        `module ${mod.name} has ${mod.trust_policy ? "an unreadable" : "no"} trust_policy; set one with module.update before publishing`,
        [{ path: "trust_policy", message: "the module needs a trust policy to publish" }],
        "trust_policy_missing",
      );
    }
    const platform = mod.node_platform_id
      ? await findInAccount(ctx.db, node_platforms, ctx.principal.accountId, mod.node_platform_id, "node platform")
      : null;
    const artifacts = await ctx.db.select().from(module_artifacts).where(eq(module_artifacts.module_version_id, v.id));
    const failures = evaluatePublishGates({
      module_id: mod.id,
      version_number: v.version_number,
      policy: policy.data,
      architectures: platform?.architectures ?? null,
      artifacts,
    });
    if (failures.length > 0) {
      const publishError = publishErrorText(failures);
      await recordRefusal(ctx, v, failures, publishError);
      throw conflict(`publish of ${mod.name} version ${v.version_number} refused: ${publishError}`, {
        commit: true,
        reason: "publish_refused",
        current_state: v.promotion_state,
        details: { failed_gates: failures, publish_error: publishError },
      });
    }
    const [row] = await ctx.db
      .update(module_versions)
      .set({
        promotion_state: step.to,
        staging_at: ctx.now,
        publish_error: null,
        version: v.version + 1,
        updated_at: ctx.now,
      })
      .where(and(eq(module_versions.id, v.id), eq(module_versions.version, v.version)))
      .returning();
    if (!row)
      throw conflict("module version changed concurrently", {
        reason: "stale_version",
        current_state: v.promotion_state,
      });
    // Following environments get the current version; never move it backwards to an older number.
    let currentMoved = false;
    if (mod.auto_promote) {
      const [cur] = mod.current_version_id
        ? await ctx.db
            .select({ n: module_versions.version_number })
            .from(module_versions)
            .where(eq(module_versions.id, mod.current_version_id))
        : [];
      if (!cur || cur.n < row.version_number) {
        await ctx.db
          .update(node_modules)
          .set({ current_version_id: row.id, version: mod.version + 1, updated_at: ctx.now })
          .where(eq(node_modules.id, mod.id));
        currentMoved = true;
      }
    }
    await emitEvent(ctx.db, ctx, {
      kind: "module_version.published",
      severity: "medium",
      payload: {
        version_number: row.version_number,
        from: step.from,
        to: step.to,
        current_moved: currentMoved,
        architectures: artifacts.map((a) => a.architecture),
      },
      subject_type: "module_version",
      subject_id: row.id,
      node_module_id: mod.id,
      module_version_id: row.id,
    });
    const [out] = await versionsOut(ctx, [row]);
    return { version: out!, current_moved: currentMoved };
  },
});

export const moduleVersionDeprecate = defineOperation({
  name: "module_version.deprecate",
  title: "Deprecate a module version",
  description:
    "Mark a live version deprecated (it happens automatically when a newer version goes live). A deprecated version may stay pinned but cannot be newly pinned. Any other state is conflict/invalid_transition with current_state.",
  examples: [
    { phrase: "deprecate nginx version 2", input: { id: "<version id>" } },
    { phrase: "mark this version deprecated because of a CVE", input: { id: "<version id>", reason: "CVE-2025-1234" } },
  ],
  input: z.strictObject({ ...IdInput, reason: z.string().min(1).max(2000).optional() }),
  output: VersionSchema,
  scope: "fleet:write",
  effect: "write",
  actionCategory: "module_version.deprecate",
  idempotent: true,
  http: { method: "POST", path: "/module_versions/:id/deprecate", status: 200 },
  async execute(ctx, input) {
    const v = await loadVersion(ctx, input.id, true);
    const step = mustTransition(
      moduleVersionMachine,
      v.promotion_state,
      "deprecate",
      `module version ${v.version_number}`,
    );
    const [row] = await ctx.db
      .update(module_versions)
      .set({ promotion_state: step.to, deprecated_at: ctx.now, version: v.version + 1, updated_at: ctx.now })
      .where(and(eq(module_versions.id, v.id), eq(module_versions.version, v.version)))
      .returning();
    if (!row)
      throw conflict("module version changed concurrently", {
        reason: "stale_version",
        current_state: v.promotion_state,
      });
    await emitEvent(ctx.db, ctx, {
      kind: "module_version.deprecated",
      severity: "medium",
      payload: { version_number: row.version_number, from: step.from, to: step.to, reason: input.reason ?? null },
      subject_type: "module_version",
      subject_id: row.id,
      node_module_id: row.node_module_id,
      module_version_id: row.id,
    });
    const [out] = await versionsOut(ctx, [row]);
    return out!;
  },
});

export const moduleVersionRetire = defineOperation({
  name: "module_version.retire",
  title: "Retire a module version",
  description:
    "Retire a version for good (draft, staging, blessed or deprecated). Refused with conflict/in_use while it is the module's current version, an environment pins it, or a running instance reports one of its digests. A retired version is never delivered again.",
  examples: [
    { phrase: "retire nginx version 1", input: { id: "<version id>" } },
    { phrase: "throw away this abandoned draft", input: { id: "<version id>" } },
  ],
  input: z.strictObject(IdInput),
  output: VersionSchema,
  scope: "fleet:admin",
  effect: "destructive",
  actionCategory: "module_version.retire",
  idempotent: true,
  http: { method: "POST", path: "/module_versions/:id/retire", status: 200 },
  async execute(ctx, input) {
    const v = await loadVersion(ctx, input.id, true);
    const step = mustTransition(
      moduleVersionMachine,
      v.promotion_state,
      "retire",
      `module version ${v.version_number}`,
    );
    const [mod] = await ctx.db.select().from(node_modules).where(eq(node_modules.id, v.node_module_id)).for("update");
    if (mod?.current_version_id === v.id) {
      throw conflict(
        `version ${v.version_number} is ${mod.name}'s current version; publish or roll back to another first`,
        {
          reason: "in_use",
          current_state: v.promotion_state,
          details: { used_by: "current_version" },
        },
      );
    }
    const pins = await ctx.db
      .select({ environment: environments.name })
      .from(module_environment_pins)
      .innerJoin(environments, eq(environments.id, module_environment_pins.environment_id))
      .where(eq(module_environment_pins.module_version_id, v.id));
    if (pins.length > 0) {
      throw conflict(`version ${v.version_number} is pinned in ${pins.map((p) => p.environment).join(", ")}`, {
        reason: "in_use",
        current_state: v.promotion_state,
        details: { used_by: "pins", environments: pins.map((p) => p.environment) },
      });
    }
    const digests = (
      await ctx.db
        .select({ d: module_artifacts.oci_digest })
        .from(module_artifacts)
        .where(eq(module_artifacts.module_version_id, v.id))
    ).map((a) => a.d);
    if (digests.length > 0) {
      const running = await ctx.db
        .select({ id: node_instances.id })
        .from(node_instances)
        .where(
          and(
            eq(node_instances.account_id, ctx.principal.accountId),
            ne(node_instances.status, "terminated"),
            inArray(sql<string>`${node_instances.running_module_digests} ->> ${v.node_module_id}::text`, digests),
          ),
        )
        .limit(5);
      if (running.length > 0) {
        throw conflict(
          `version ${v.version_number} is still running on ${running.length === 5 ? "5 or more" : running.length} instance(s)`,
          {
            reason: "in_use",
            current_state: v.promotion_state,
            details: { used_by: "instances", instance_ids: running.map((r) => r.id) },
          },
        );
      }
    }
    const [row] = await ctx.db
      .update(module_versions)
      .set({ promotion_state: step.to, retired_at: ctx.now, version: v.version + 1, updated_at: ctx.now })
      .where(and(eq(module_versions.id, v.id), eq(module_versions.version, v.version)))
      .returning();
    if (!row)
      throw conflict("module version changed concurrently", {
        reason: "stale_version",
        current_state: v.promotion_state,
      });
    await emitEvent(ctx.db, ctx, {
      kind: "module_version.retired",
      severity: "medium",
      payload: { version_number: row.version_number, from: step.from, to: step.to },
      subject_type: "module_version",
      subject_id: row.id,
      node_module_id: row.node_module_id,
      module_version_id: row.id,
    });
    const [out] = await versionsOut(ctx, [row]);
    return out!;
  },
});

export const moduleVersionOperations = [
  moduleVersionList,
  moduleVersionGet,
  moduleVersionAddArtifact,
  moduleVersionPublish,
  moduleVersionDeprecate,
  moduleVersionRetire,
];
