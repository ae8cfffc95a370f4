// Catalog reads (spec/domain.md §1.7, §4.5): regions, zones, instance types and images as the
// last catalog sync left them. Rows the provider no longer offers stay (they may be referenced)
// with available=false, and are hidden unless asked for.
import { images, instance_types, provider_regions, provider_zones, region_instance_types } from "@nodepilot/store";
import { and, eq, gte, isNull, or, type SQL, sql } from "drizzle-orm";
import { z } from "zod";
import { defineOperation } from "../catalog/operation.ts";
import { findInAccount } from "../lib/find.ts";
import { listInputShape, listOutput, pageClause, toPage, whereAll } from "../lib/pagination.ts";
import { Architecture, NullableTimestamp, Timestamp, toJson, Uuid } from "../schemas/common.ts";

const BootMode = z.enum(["direct_kernel", "uefi_disk", "cloud_init"]);

export const RegionSchema = z.strictObject({
  id: Uuid,
  provider_connection_id: Uuid,
  region_code: z.string(),
  name: z.string(),
  enabled: z.boolean(),
  available: z.boolean(),
  created_at: Timestamp,
  updated_at: Timestamp,
});

export const ZoneSchema = z.strictObject({
  id: Uuid,
  provider_region_id: Uuid,
  zone_code: z.string(),
  status: z.enum(["available", "impaired", "unavailable"]),
  created_at: Timestamp,
  updated_at: Timestamp,
});

const RegionOffer = z.strictObject({
  region_id: Uuid,
  available: z.boolean(),
  hourly_price: z.string().nullable(),
  currency: z.string().nullable(),
  synced_at: NullableTimestamp,
});

export const InstanceTypeSchema = z.strictObject({
  id: Uuid,
  provider_connection_id: Uuid,
  instance_type_code: z.string(),
  vcpus: z.number().int(),
  memory_mb: z.number().int(),
  storage_gb: z.number().int(),
  gpu_count: z.number().int(),
  gpu_type: z.string().nullable(),
  gpu_memory_mb: z.number().int().nullable(),
  architecture: Architecture,
  specs: z.record(z.string(), z.unknown()),
  available: z.boolean(),
  /** The type's offer in the region asked for with region_id; null without region_id. */
  region_offer: RegionOffer.nullable(),
  created_at: Timestamp,
  updated_at: Timestamp,
});

export const ImageSchema = z.strictObject({
  id: Uuid,
  provider_connection_id: Uuid,
  image_code: z.string(),
  name: z.string(),
  region_id: Uuid.nullable(),
  architecture: Architecture,
  boot_mode: BootMode,
  node_platform_id: Uuid.nullable(),
  disk_image_git_sha: z.string().nullable(),
  available: z.boolean(),
  created_at: Timestamp,
  updated_at: Timestamp,
});

export const stripAccount = <R extends { account_id: string }>(row: R) => {
  const { account_id: _a, ...rest } = row;
  return toJson(rest);
};

const includeUnavailable = z.boolean().default(false).describe("Also list rows the provider no longer offers.");

export const catalogRegions = defineOperation({
  name: "catalog.regions",
  title: "List regions",
  description:
    "List provider regions from the synced catalog, oldest first, optionally for one connection. Regions the provider no longer offers (available=false) are hidden unless include_unavailable. Use catalog.zones for a region's zones.",
  examples: [
    { phrase: "which regions can we deploy to", input: {} },
    { phrase: "regions of connection 0190…", input: { provider_connection_id: "<connection id>" } },
  ],
  input: z.strictObject({
    ...listInputShape,
    provider_connection_id: Uuid.optional(),
    enabled: z.boolean().optional(),
    include_unavailable: includeUnavailable,
  }),
  output: listOutput(RegionSchema),
  scope: "fleet:read",
  effect: "read",
  list: true,
  http: { method: "GET", path: "/provider_regions" },
  async execute(ctx, input) {
    const t = provider_regions;
    const { after, order } = pageClause({ createdAt: t.created_at, id: t.id }, input.cursor);
    const rows = await ctx.db
      .select()
      .from(t)
      .where(
        whereAll(
          eq(t.account_id, ctx.principal.accountId),
          input.provider_connection_id ? eq(t.provider_connection_id, input.provider_connection_id) : undefined,
          input.enabled === undefined ? undefined : eq(t.enabled, input.enabled),
          input.include_unavailable ? undefined : eq(t.available, true),
          after,
        ),
      )
      .orderBy(...order)
      .limit(input.limit + 1);
    return toPage(rows, input.limit, stripAccount);
  },
});

export const catalogZones = defineOperation({
  name: "catalog.zones",
  title: "List zones",
  description:
    "List availability zones from the synced catalog, oldest first, optionally for one region (region_id) or by status (available, impaired, unavailable).",
  examples: [
    { phrase: "zones in region 0190…", input: { region_id: "<region id>" } },
    { phrase: "which zones are impaired", input: { status: "impaired" } },
  ],
  input: z.strictObject({
    ...listInputShape,
    region_id: Uuid.optional(),
    status: z.enum(["available", "impaired", "unavailable"]).optional(),
  }),
  output: listOutput(ZoneSchema),
  scope: "fleet:read",
  effect: "read",
  list: true,
  http: { method: "GET", path: "/provider_zones" },
  async execute(ctx, input) {
    const t = provider_zones;
    const { after, order } = pageClause({ createdAt: t.created_at, id: t.id }, input.cursor);
    const rows = await ctx.db
      .select()
      .from(t)
      .where(
        whereAll(
          eq(t.account_id, ctx.principal.accountId),
          input.region_id ? eq(t.provider_region_id, input.region_id) : undefined,
          input.status ? eq(t.status, input.status) : undefined,
          after,
        ),
      )
      .orderBy(...order)
      .limit(input.limit + 1);
    return toPage(rows, input.limit, stripAccount);
  },
});

export const catalogInstanceTypes = defineOperation({
  name: "catalog.instance_types",
  title: "List instance types",
  description:
    "Query instance types (machine sizes) from the synced catalog, oldest first. Filters: region_id (only types offered there, with that region's price in region_offer), provider_connection_id, architecture (amd64, arm64), gpu_type (case-insensitive, e.g. a100), min_gpu_count, min_gpu_memory_mb (per GPU), min_vcpus, min_memory_mb. Types or offers no longer available are hidden unless include_unavailable.",
  examples: [
    {
      phrase: "instance types with at least 2 A100s in region 0190…",
      input: { region_id: "<region id>", gpu_type: "a100", min_gpu_count: 2 },
    },
    { phrase: "arm64 machine sizes", input: { architecture: "arm64" } },
  ],
  input: z.strictObject({
    ...listInputShape,
    region_id: Uuid.optional(),
    provider_connection_id: Uuid.optional(),
    architecture: Architecture.optional(),
    gpu_type: z.string().min(1).max(100).optional(),
    min_gpu_count: z.number().int().min(0).max(64).optional(),
    min_gpu_memory_mb: z.number().int().min(0).optional(),
    min_vcpus: z.number().int().min(0).optional(),
    min_memory_mb: z.number().int().min(0).optional(),
    include_unavailable: includeUnavailable,
  }),
  output: listOutput(InstanceTypeSchema),
  scope: "fleet:read",
  effect: "read",
  list: true,
  http: { method: "GET", path: "/instance_types" },
  async execute(ctx, input) {
    const t = instance_types;
    const o = region_instance_types;
    if (input.region_id)
      await findInAccount(ctx.db, provider_regions, ctx.principal.accountId, input.region_id, "region");
    const { after, order } = pageClause({ createdAt: t.created_at, id: t.id }, input.cursor);
    const filters: (SQL | undefined)[] = [
      eq(t.account_id, ctx.principal.accountId),
      input.provider_connection_id ? eq(t.provider_connection_id, input.provider_connection_id) : undefined,
      input.architecture ? eq(t.architecture, input.architecture) : undefined,
      input.gpu_type ? sql`lower(${t.gpu_type}) = ${input.gpu_type.toLowerCase()}` : undefined,
      input.min_gpu_count === undefined ? undefined : gte(t.gpu_count, input.min_gpu_count),
      input.min_gpu_memory_mb === undefined ? undefined : gte(t.gpu_memory_mb, input.min_gpu_memory_mb),
      input.min_vcpus === undefined ? undefined : gte(t.vcpus, input.min_vcpus),
      input.min_memory_mb === undefined ? undefined : gte(t.memory_mb, input.min_memory_mb),
      input.include_unavailable ? undefined : eq(t.available, true),
      after,
    ];
    if (!input.region_id) {
      const rows = await ctx.db
        .select()
        .from(t)
        .where(whereAll(...filters))
        .orderBy(...order)
        .limit(input.limit + 1);
      return toPage(rows, input.limit, (r) => ({ ...stripAccount(r), region_offer: null }));
    }
    const rows = await ctx.db
      .select({ type: t, offer: o })
      .from(t)
      .innerJoin(o, and(eq(o.instance_type_id, t.id), eq(o.region_id, input.region_id)))
      .where(whereAll(...filters, input.include_unavailable ? undefined : eq(o.available, true)))
      .orderBy(...order)
      .limit(input.limit + 1);
    const flat = rows.map((r) => ({ ...r.type, offer: r.offer }));
    return toPage(flat, input.limit, ({ offer, ...type }) => ({
      ...stripAccount(type),
      region_offer: toJson({
        region_id: offer.region_id,
        available: offer.available,
        hourly_price: offer.hourly_price,
        currency: offer.currency,
        synced_at: offer.synced_at,
      }),
    }));
  },
});

export const catalogImages = defineOperation({
  name: "catalog.images",
  title: "List images",
  description:
    "List bootable images from the synced catalog, oldest first. region_id returns that region's images plus global ones (no region). Filters: provider_connection_id, architecture, boot_mode (direct_kernel, uefi_disk, cloud_init), node_platform_id. Unavailable images are hidden unless include_unavailable.",
  examples: [
    { phrase: "arm64 images", input: { architecture: "arm64" } },
    {
      phrase: "cloud-init images usable in region 0190…",
      input: { region_id: "<region id>", boot_mode: "cloud_init" },
    },
  ],
  input: z.strictObject({
    ...listInputShape,
    provider_connection_id: Uuid.optional(),
    region_id: Uuid.optional(),
    architecture: Architecture.optional(),
    boot_mode: BootMode.optional(),
    node_platform_id: Uuid.optional(),
    include_unavailable: includeUnavailable,
  }),
  output: listOutput(ImageSchema),
  scope: "fleet:read",
  effect: "read",
  list: true,
  http: { method: "GET", path: "/images" },
  async execute(ctx, input) {
    const t = images;
    const { after, order } = pageClause({ createdAt: t.created_at, id: t.id }, input.cursor);
    const rows = await ctx.db
      .select()
      .from(t)
      .where(
        whereAll(
          eq(t.account_id, ctx.principal.accountId),
          input.provider_connection_id ? eq(t.provider_connection_id, input.provider_connection_id) : undefined,
          input.region_id ? or(eq(t.region_id, input.region_id), isNull(t.region_id)) : undefined,
          input.architecture ? eq(t.architecture, input.architecture) : undefined,
          input.boot_mode ? eq(t.boot_mode, input.boot_mode) : undefined,
          input.node_platform_id ? eq(t.node_platform_id, input.node_platform_id) : undefined,
          input.include_unavailable ? undefined : eq(t.available, true),
          after,
        ),
      )
      .orderBy(...order)
      .limit(input.limit + 1);
    return toPage(rows, input.limit, stripAccount);
  },
});

export const catalogOperations = [catalogRegions, catalogZones, catalogInstanceTypes, catalogImages];
