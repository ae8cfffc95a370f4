// Resolves where a new instance goes: region, instance type, image and zone, all from one provider
// connection of the caller's account. Without explicit choices it falls back to the account's
// seeded `local` provider, so a fresh install can provision without any catalog work.
import {
  type DbOrTx,
  images,
  instance_types,
  provider_connections,
  provider_regions,
  provider_zones,
  providers,
  region_instance_types,
} from "@nodepilot/store";
import { and, asc, eq, isNull, or } from "drizzle-orm";
import { AppError, invalidInput } from "../errors.ts";
import { findInAccount } from "../lib/find.ts";
import type { ProviderType } from "../providers/adapter.ts";

export interface PlacementRequest {
  provider_region_id?: string | undefined;
  instance_type_id?: string | undefined;
  image_id?: string | undefined;
  zone_code?: string | undefined;
  architecture?: "amd64" | "arm64" | undefined;
}

export interface Placement {
  providerType: ProviderType;
  connectionId: string;
  region: typeof provider_regions.$inferSelect;
  instanceType: typeof instance_types.$inferSelect;
  image: typeof images.$inferSelect | null;
  zone: typeof provider_zones.$inferSelect | null;
  architecture: "amd64" | "arm64";
}

const field = (path: string, message: string) => invalidInput(`${path}: ${message}`, [{ path, message }]);

async function defaultLocalRegion(db: DbOrTx, accountId: string) {
  const [row] = await db
    .select({ region: provider_regions })
    .from(provider_regions)
    .innerJoin(provider_connections, eq(provider_connections.id, provider_regions.provider_connection_id))
    .innerJoin(providers, eq(providers.id, provider_connections.provider_id))
    .where(
      and(
        eq(provider_regions.account_id, accountId),
        eq(providers.provider_type, "local"),
        eq(provider_regions.enabled, true),
      ),
    )
    .orderBy(asc(provider_regions.created_at), asc(provider_regions.id))
    .limit(1);
  if (!row) {
    throw new AppError("invalid_input", "no provider_region_id given and this account has no local provider region", {
      reason: "no_default_region",
      errors: [{ path: "provider_region_id", message: "required: the account has no local provider to default to" }],
    });
  }
  return row.region;
}

export async function resolvePlacement(db: DbOrTx, accountId: string, req: PlacementRequest): Promise<Placement> {
  const region = req.provider_region_id
    ? await findInAccount(db, provider_regions, accountId, req.provider_region_id, "provider region")
    : await defaultLocalRegion(db, accountId);
  if (!region.enabled || !region.available) throw field("provider_region_id", "the region is disabled or unavailable");
  const connectionId = region.provider_connection_id;
  const [conn] = await db
    .select({
      enabled: provider_connections.enabled,
      providerEnabled: providers.enabled,
      type: providers.provider_type,
    })
    .from(provider_connections)
    .innerJoin(providers, eq(providers.id, provider_connections.provider_id))
    .where(eq(provider_connections.id, connectionId))
    .limit(1);
  if (!conn) throw new AppError("internal", `provider connection ${connectionId} of region ${region.id} is missing`);
  if (!conn.enabled || !conn.providerEnabled) {
    throw field("provider_region_id", "the region's provider connection or provider is disabled");
  }

  const instanceType = req.instance_type_id
    ? await findInAccount(db, instance_types, accountId, req.instance_type_id, "instance type")
    : await firstOf(
        db
          .select()
          .from(instance_types)
          .where(
            and(
              eq(instance_types.provider_connection_id, connectionId),
              eq(instance_types.available, true),
              req.architecture ? eq(instance_types.architecture, req.architecture) : undefined,
            ),
          )
          .orderBy(asc(instance_types.memory_mb), asc(instance_types.vcpus), asc(instance_types.instance_type_code))
          .limit(1),
        "instance_type_id",
        "the region's connection offers no available instance type",
      );
  if (instanceType.provider_connection_id !== connectionId) {
    throw field("instance_type_id", "the instance type belongs to another provider connection than the region");
  }
  if (!instanceType.available) throw field("instance_type_id", "the instance type is unavailable");
  const [offer] = await db
    .select({ available: region_instance_types.available })
    .from(region_instance_types)
    .where(
      and(eq(region_instance_types.region_id, region.id), eq(region_instance_types.instance_type_id, instanceType.id)),
    )
    .limit(1);
  if (offer && !offer.available) throw field("instance_type_id", "the instance type is not available in this region");
  const architecture = req.architecture ?? instanceType.architecture;
  if (architecture !== instanceType.architecture) {
    throw field("architecture", `the instance type is ${instanceType.architecture}, not ${architecture}`);
  }

  let image: Placement["image"] = null;
  if (req.image_id) {
    image = await findInAccount(db, images, accountId, req.image_id, "image");
    if (image.provider_connection_id !== connectionId) {
      throw field("image_id", "the image belongs to another provider connection than the region");
    }
    if (image.region_id !== null && image.region_id !== region.id)
      throw field("image_id", "the image is for another region");
    if (!image.available) throw field("image_id", "the image is unavailable");
    if (image.architecture !== architecture)
      throw field("image_id", `the image is ${image.architecture}, not ${architecture}`);
  } else {
    const [first] = await db
      .select()
      .from(images)
      .where(
        and(
          eq(images.provider_connection_id, connectionId),
          eq(images.available, true),
          eq(images.architecture, architecture),
          or(isNull(images.region_id), eq(images.region_id, region.id)),
        ),
      )
      .orderBy(asc(images.created_at), asc(images.id))
      .limit(1);
    image = first ?? null;
  }

  let zone: Placement["zone"] = null;
  if (req.zone_code) {
    const [z] = await db
      .select()
      .from(provider_zones)
      .where(and(eq(provider_zones.provider_region_id, region.id), eq(provider_zones.zone_code, req.zone_code)))
      .limit(1);
    if (!z) throw field("zone_code", `the region has no zone ${req.zone_code}`);
    if (z.status === "unavailable") throw field("zone_code", `zone ${req.zone_code} is unavailable`);
    zone = z;
  }
  return { providerType: conn.type, connectionId, region, instanceType, image, zone, architecture };
}

async function firstOf<T>(query: PromiseLike<T[]>, path: string, message: string): Promise<T> {
  const rows = await query;
  const row = rows[0];
  if (!row) throw field(path, message);
  return row;
}
