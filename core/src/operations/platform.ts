// Platform and module-category reads (spec/domain.md §1.2 node_platforms, §1.4 categories).
// Platforms say which architectures a template's modules must ship; categories set overlay bands.
import { node_module_categories, node_platforms } from "@nodepilot/store";
import { eq, type SQL } from "drizzle-orm";
import { z } from "zod";
import { defineOperation } from "../catalog/operation.ts";
import { findInAccount } from "../lib/find.ts";
import { listInputShape, listOutput, pageClause, toPage, whereAll } from "../lib/pagination.ts";
import { Architecture, IdInput, Timestamp, toJson, Uuid } from "../schemas/common.ts";

export const PlatformSchema = z.strictObject({
  id: Uuid,
  name: z.string(),
  architectures: z.array(Architecture),
  init_script: z.string().nullable(),
  cosign_identity_regexp: z.string().nullable(),
  cosign_issuer_regexp: z.string().nullable(),
  disk_image_oci_ref: z.string().nullable(),
  disk_image_sha256: z.string().nullable(),
  disk_image_git_sha: z.string().nullable(),
  disk_image_size_bytes: z.number().int().nullable(),
  disk_image_retention_count: z.number().int(),
  version: z.number().int(),
  created_at: Timestamp,
  updated_at: Timestamp,
});

export function platformOut(row: typeof node_platforms.$inferSelect): z.infer<typeof PlatformSchema> {
  const { account_id: _a, ...rest } = row;
  return toJson({ ...rest, architectures: rest.architectures as ("amd64" | "arm64")[] });
}

const CategorySchema = z.strictObject({
  id: Uuid,
  name: z.string(),
  slug: z.string(),
  variety: z.enum(["subscription", "config", "instance"]),
  position: z.number().int(),
  parent_id: Uuid.nullable(),
  config_category_id: Uuid.nullable(),
  instance_category_id: Uuid.nullable(),
  created_at: Timestamp,
});

export const platformList = defineOperation({
  name: "platform.list",
  title: "List platforms",
  description:
    "List node platforms (the base a template builds on: architectures, init script, disk-image trust and the active disk image), oldest first. Use the id as node_platform_id when creating templates or modules.",
  examples: [
    { phrase: "which platforms do we have", input: {} },
    { phrase: "list platforms, 10 at a time", input: { limit: 10 } },
  ],
  input: z.strictObject({ ...listInputShape }),
  output: listOutput(PlatformSchema),
  scope: "fleet:read",
  effect: "read",
  list: true,
  http: { method: "GET", path: "/node_platforms" },
  async execute(ctx, input) {
    const { after, order } = pageClause({ createdAt: node_platforms.created_at, id: node_platforms.id }, input.cursor);
    const rows = await ctx.db
      .select()
      .from(node_platforms)
      .where(whereAll(eq(node_platforms.account_id, ctx.principal.accountId), after))
      .orderBy(...order)
      .limit(input.limit + 1);
    return toPage(rows, input.limit, platformOut);
  },
});

export const platformGet = defineOperation({
  name: "platform.get",
  title: "Get a platform",
  description:
    "Read one node platform by id: its architectures, init script, disk-image trust policy regexps and current disk image.",
  examples: [
    { phrase: "show platform 0190…", input: { id: "<platform id>" } },
    { phrase: "what architectures does this platform support", input: { id: "<platform id>" } },
  ],
  input: z.strictObject(IdInput),
  output: PlatformSchema,
  scope: "fleet:read",
  effect: "read",
  http: { method: "GET", path: "/node_platforms/:id" },
  async execute(ctx, input) {
    return platformOut(await findInAccount(ctx.db, node_platforms, ctx.principal.accountId, input.id, "node platform"));
  },
});

export const categoryList = defineOperation({
  name: "category.list",
  title: "List module categories",
  description:
    "List module categories: the overlay bands (position × 1000 + priority gives a module's effective priority). Categories come in triplets — subscription at N, config at N+1, instance at N+2. Filter by variety or parent_id.",
  examples: [
    { phrase: "list the module categories", input: {} },
    { phrase: "which subscription categories exist", input: { variety: "subscription" } },
  ],
  input: z.strictObject({
    ...listInputShape,
    variety: z.enum(["subscription", "config", "instance"]).optional(),
    parent_id: Uuid.optional(),
  }),
  output: listOutput(CategorySchema),
  scope: "fleet:read",
  effect: "read",
  list: true,
  http: { method: "GET", path: "/node_module_categories" },
  async execute(ctx, input) {
    const c = node_module_categories;
    const { after, order } = pageClause({ createdAt: c.created_at, id: c.id }, input.cursor);
    const filters: (SQL | undefined)[] = [
      eq(c.account_id, ctx.principal.accountId),
      input.variety ? eq(c.variety, input.variety) : undefined,
      input.parent_id ? eq(c.parent_id, input.parent_id) : undefined,
      after,
    ];
    const rows = await ctx.db
      .select()
      .from(c)
      .where(whereAll(...filters))
      .orderBy(...order)
      .limit(input.limit + 1);
    return toPage(rows, input.limit, ({ account_id: _a, ...rest }) => toJson(rest));
  },
});

export const platformOperations = [platformList, platformGet, categoryList];
