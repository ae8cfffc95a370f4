// How an instance reaches its provider: instance → provider_connection → provider (type), the adapter
// registered for that type, the connection's credentials, and the catalog codes the adapter speaks.
import {
  type DbOrTx,
  images,
  instance_types,
  provider_connections,
  provider_regions,
  provider_zones,
  providers,
} from "@nodepilot/store";
import { eq } from "drizzle-orm";
import type { PgColumn, PgTable } from "drizzle-orm/pg-core";
import { AppError, invalidInput } from "../errors.ts";
import type { SecretBox } from "../lib/secret-box.ts";
import type { ProviderAdapter, ProviderCredentials, ProviderType } from "../providers/adapter.ts";
import { AuthenticationError } from "../providers/errors.ts";
import type { ProviderRegistry } from "../providers/registry.ts";
import type { InstanceRow } from "./instance-schema.ts";

/** SecretBox context under which a connection's credentials (a JSON object of strings) are sealed. */
export const PROVIDER_CREDENTIALS_CONTEXT = "provider_connection.credentials";

export interface InstanceProvider {
  providerType: ProviderType;
  adapter: ProviderAdapter;
  credentials: ProviderCredentials;
  /** Credential values, for scrubbing logs and error messages. */
  secretValues: string[];
  regionCode: string | null;
  zoneCode: string | null;
  instanceTypeCode: string | null;
  imageCode: string | null;
}

/** The provider type behind an instance, or null for an instance no provider manages (physical). */
export async function instanceProviderType(db: DbOrTx, instance: InstanceRow): Promise<ProviderType | null> {
  if (!instance.provider_connection_id) return null;
  const [row] = await db
    .select({ type: providers.provider_type })
    .from(provider_connections)
    .innerJoin(providers, eq(providers.id, provider_connections.provider_id))
    .where(eq(provider_connections.id, instance.provider_connection_id))
    .limit(1);
  if (!row) throw new AppError("internal", `provider connection ${instance.provider_connection_id} is missing`);
  return row.type;
}

/**
 * Refuses, before anything is queued, a provider call this deployment cannot make: an instance with
 * no provider, or a provider type without a registered adapter that manages instances.
 */
export async function assertProviderManaged(
  db: DbOrTx,
  registry: ProviderRegistry,
  instance: InstanceRow,
): Promise<void> {
  const type = await instanceProviderType(db, instance);
  if (!type) {
    throw invalidInput(`instance ${instance.name} has no provider to drive it`, undefined, "no_provider");
  }
  registry.get(type, "instances");
}

type CatalogTable = typeof provider_regions | typeof provider_zones | typeof instance_types | typeof images;

/** One catalog row's code column by id; null when the instance has no such reference. */
async function codeOf(db: DbOrTx, table: CatalogTable, column: PgColumn, id: string | null): Promise<string | null> {
  if (!id) return null;
  const rows = await db
    .select({ code: column })
    .from(table as PgTable)
    .where(eq(table.id, id))
    .limit(1);
  return (rows[0]?.code as string | undefined) ?? null;
}

/** A connection's sealed credentials opened (a JSON object of strings); {} when none are stored. */
export function openCredentials(
  secrets: SecretBox,
  sealed: string | null,
  providerType: ProviderType,
): ProviderCredentials {
  if (!sealed) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(secrets.open(sealed, PROVIDER_CREDENTIALS_CONTEXT));
  } catch {
    throw new AuthenticationError("the connection's stored credentials cannot be decrypted with this master key", {
      providerType,
    });
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new AuthenticationError("the connection's stored credentials are not an object", { providerType });
  }
  return Object.fromEntries(Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === "string"));
}

export async function instanceProvider(
  db: DbOrTx,
  registry: ProviderRegistry,
  secrets: SecretBox,
  instance: InstanceRow,
): Promise<InstanceProvider> {
  if (!instance.provider_connection_id) {
    throw invalidInput(`instance ${instance.name} has no provider to drive it`, undefined, "no_provider");
  }
  const [conn] = await db
    .select({ type: providers.provider_type, sealed: provider_connections.credentials_encrypted })
    .from(provider_connections)
    .innerJoin(providers, eq(providers.id, provider_connections.provider_id))
    .where(eq(provider_connections.id, instance.provider_connection_id))
    .limit(1);
  if (!conn) throw new AppError("internal", `provider connection ${instance.provider_connection_id} is missing`);
  const adapter = registry.get(conn.type, "instances");
  const credentials = openCredentials(secrets, conn.sealed, conn.type);
  return {
    providerType: conn.type,
    adapter,
    credentials,
    secretValues: Object.values(credentials),
    regionCode: await codeOf(db, provider_regions, provider_regions.region_code, instance.provider_region_id),
    zoneCode: await codeOf(db, provider_zones, provider_zones.zone_code, instance.provider_zone_id),
    instanceTypeCode: await codeOf(db, instance_types, instance_types.instance_type_code, instance.instance_type_id),
    imageCode: await codeOf(db, images, images.image_code, instance.image_id),
  };
}
