// Provider reads (spec/domain.md §1.7): providers and their connections, never their credentials.
// The catalog reads (regions, zones, instance types, images) are in provider-catalog.ts.
import { provider_connections, providers } from "@nodepilot/store";
import { eq } from "drizzle-orm";
import { z } from "zod";
import { defineOperation } from "../catalog/operation.ts";
import { findInAccount } from "../lib/find.ts";
import { listInputShape, listOutput, pageClause, toPage, whereAll } from "../lib/pagination.ts";
import { IdInput, NullableTimestamp, Timestamp, toJson, Uuid } from "../schemas/common.ts";
import { catalogOperations, stripAccount } from "./provider-catalog.ts";

const ProviderType = z.enum(["local", "qemu", "aws", "gcp", "azure", "openstack", "digitalocean"]);

export const ProviderSchema = z.strictObject({
  id: Uuid,
  provider_type: ProviderType,
  name: z.string(),
  enabled: z.boolean(),
  capabilities: z.array(z.string()),
  config: z.record(z.string(), z.unknown()),
  version: z.number().int(),
  created_at: Timestamp,
  updated_at: Timestamp,
});

export const ProviderConnectionSchema = z.strictObject({
  id: Uuid,
  provider_id: Uuid,
  name: z.string(),
  endpoint_url: z.string().nullable(),
  tenant: z.string().nullable(),
  has_credentials: z.boolean(),
  status: z.enum(["pending", "connected", "error"]),
  last_test_at: NullableTimestamp,
  last_test_message: z.string().nullable(),
  enabled: z.boolean(),
  version: z.number().int(),
  created_at: Timestamp,
  updated_at: Timestamp,
});

function connectionOut(row: typeof provider_connections.$inferSelect): z.infer<typeof ProviderConnectionSchema> {
  const { account_id: _a, credentials_encrypted, ...rest } = row;
  return toJson({ ...rest, has_credentials: credentials_encrypted !== null });
}

export const providerList = defineOperation({
  name: "provider.list",
  title: "List providers",
  description:
    "List the account's infrastructure providers (local, qemu, aws, gcp, azure, openstack, digitalocean) with their capabilities, oldest first. Use provider_connection.list for the accounts/endpoints they connect to.",
  examples: [
    { phrase: "which providers do we have", input: {} },
    { phrase: "list aws providers", input: { provider_type: "aws" } },
  ],
  input: z.strictObject({ ...listInputShape, provider_type: ProviderType.optional(), enabled: z.boolean().optional() }),
  output: listOutput(ProviderSchema),
  scope: "fleet:read",
  effect: "read",
  list: true,
  http: { method: "GET", path: "/providers" },
  async execute(ctx, input) {
    const { after, order } = pageClause({ createdAt: providers.created_at, id: providers.id }, input.cursor);
    const rows = await ctx.db
      .select()
      .from(providers)
      .where(
        whereAll(
          eq(providers.account_id, ctx.principal.accountId),
          input.provider_type ? eq(providers.provider_type, input.provider_type) : undefined,
          input.enabled === undefined ? undefined : eq(providers.enabled, input.enabled),
          after,
        ),
      )
      .orderBy(...order)
      .limit(input.limit + 1);
    return toPage(rows, input.limit, stripAccount);
  },
});

export const providerGet = defineOperation({
  name: "provider.get",
  title: "Get a provider",
  description: "Read one provider by id: type, capabilities, enabled flag and non-secret config.",
  examples: [
    { phrase: "show provider 0190…", input: { id: "<provider id>" } },
    { phrase: "what can the local provider do", input: { id: "<provider id>" } },
  ],
  input: z.strictObject(IdInput),
  output: ProviderSchema,
  scope: "fleet:read",
  effect: "read",
  http: { method: "GET", path: "/providers/:id" },
  async execute(ctx, input) {
    return stripAccount(await findInAccount(ctx.db, providers, ctx.principal.accountId, input.id, "provider"));
  },
});

export const providerConnectionList = defineOperation({
  name: "provider_connection.list",
  title: "List provider connections",
  description:
    "List provider connections (one cloud account, project or endpoint each) with status and last test result, oldest first. Credentials are never returned; has_credentials says whether some are stored.",
  examples: [
    { phrase: "list provider connections", input: {} },
    { phrase: "which connections are failing", input: { status: "error" } },
  ],
  input: z.strictObject({
    ...listInputShape,
    provider_id: Uuid.optional(),
    status: z.enum(["pending", "connected", "error"]).optional(),
    enabled: z.boolean().optional(),
  }),
  output: listOutput(ProviderConnectionSchema),
  scope: "fleet:read",
  effect: "read",
  list: true,
  http: { method: "GET", path: "/provider_connections" },
  async execute(ctx, input) {
    const t = provider_connections;
    const { after, order } = pageClause({ createdAt: t.created_at, id: t.id }, input.cursor);
    const rows = await ctx.db
      .select()
      .from(t)
      .where(
        whereAll(
          eq(t.account_id, ctx.principal.accountId),
          input.provider_id ? eq(t.provider_id, input.provider_id) : undefined,
          input.status ? eq(t.status, input.status) : undefined,
          input.enabled === undefined ? undefined : eq(t.enabled, input.enabled),
          after,
        ),
      )
      .orderBy(...order)
      .limit(input.limit + 1);
    return toPage(rows, input.limit, connectionOut);
  },
});

export const providerConnectionGet = defineOperation({
  name: "provider_connection.get",
  title: "Get a provider connection",
  description:
    "Read one provider connection by id: endpoint, tenant, status and last test. Credentials are never returned.",
  examples: [
    { phrase: "show connection 0190…", input: { id: "<connection id>" } },
    { phrase: "why is this connection in error", input: { id: "<connection id>" } },
  ],
  input: z.strictObject(IdInput),
  output: ProviderConnectionSchema,
  scope: "fleet:read",
  effect: "read",
  http: { method: "GET", path: "/provider_connections/:id" },
  async execute(ctx, input) {
    return connectionOut(
      await findInAccount(ctx.db, provider_connections, ctx.principal.accountId, input.id, "provider connection"),
    );
  },
});

export const providerOperations = [
  providerList,
  providerGet,
  providerConnectionList,
  providerConnectionGet,
  ...catalogOperations,
];
