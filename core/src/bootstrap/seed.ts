// Seeds an account with what the spec says every account starts with: the five environments, the
// module category triplets, a generic platform, the local provider's catalog and the autonomy seed
// (Fleet Autonomy agent, approval chain, one policy per action category).

import {
  accounts,
  type DbOrTx,
  environments,
  images,
  instance_types,
  node_module_categories,
  node_platforms,
  provider_connections,
  provider_regions,
  provider_zones,
  providers,
  region_instance_types,
  users,
} from "@nodepilot/store";
import { and, eq } from "drizzle-orm";
import { seedAutonomy } from "../autonomy/seed.ts";
import type { CatalogSnapshot } from "../providers/adapter.ts";

export const SEEDED_ENVIRONMENTS = [
  { name: "dev", rank: 10, delivery_mode: "following", min_promotion_state: "staging", protected: false },
  { name: "ci", rank: 20, delivery_mode: "following", min_promotion_state: "staging", protected: false },
  { name: "ops", rank: 25, delivery_mode: "following", min_promotion_state: "staging", protected: false },
  { name: "staging", rank: 30, delivery_mode: "pinned", min_promotion_state: "blessed", protected: false },
  { name: "prod", rank: 40, delivery_mode: "pinned", min_promotion_state: "live", protected: true },
] as const;

export const SEEDED_CATEGORIES = [
  ["system-base", 120],
  ["base-os", 150],
  ["language-runtime", 250],
  ["data-plane", 300],
  ["storage-guest", 320],
  ["networking-proxy", 350],
  ["observability", 400],
  ["build-dev", 450],
  ["platform-apps", 550],
  ["workloads", 560],
] as const;

export interface SeedOptions {
  name: string;
  ownerEmail: string;
  hostArchitecture: "amd64" | "arm64";
  localCatalog: CatalogSnapshot;
}

export interface SeededAccount {
  accountId: string;
  ownerUserId: string;
  created: boolean;
}

const slugify = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "") || "account";

export async function seedAccount(db: DbOrTx, opts: SeedOptions): Promise<SeededAccount> {
  const existing = await db.select().from(accounts).where(eq(accounts.name, opts.name)).limit(1);
  if (existing[0]) {
    const [owner] = await db
      .select({ id: users.id })
      .from(users)
      .where(and(eq(users.account_id, existing[0].id), eq(users.role, "owner")))
      .limit(1);
    if (!owner) throw new Error(`account ${opts.name} has no owner`);
    // Accounts made before the autonomy gate existed get its seed on their next start.
    await seedAutonomy(db, existing[0].id);
    return { accountId: existing[0].id, ownerUserId: owner.id, created: false };
  }
  const [account] = await db
    .insert(accounts)
    .values({ name: opts.name, slug: slugify(opts.name) })
    .returning();
  if (!account) throw new Error("account insert returned nothing");
  const accountId = account.id;
  await db.insert(environments).values(SEEDED_ENVIRONMENTS.map((e) => ({ ...e, account_id: accountId })));
  for (const [slug, position] of SEEDED_CATEGORIES) {
    const [sub] = await db
      .insert(node_module_categories)
      .values({ account_id: accountId, name: slug, slug, variety: "subscription", position })
      .returning();
    const children = await db
      .insert(node_module_categories)
      .values([
        {
          account_id: accountId,
          name: `${slug} config`,
          slug: `${slug}-config`,
          variety: "config",
          position: position + 1,
          parent_id: sub?.id,
        },
        {
          account_id: accountId,
          name: `${slug} instance`,
          slug: `${slug}-instance`,
          variety: "instance",
          position: position + 2,
          parent_id: sub?.id,
        },
      ])
      .returning();
    await db
      .update(node_module_categories)
      .set({ config_category_id: children[0]?.id, instance_category_id: children[1]?.id })
      .where(eq(node_module_categories.id, sub!.id));
  }
  const [owner] = await db
    .insert(users)
    .values({ account_id: accountId, email: opts.ownerEmail.toLowerCase(), display_name: "Owner", role: "owner" })
    .returning();
  await db
    .insert(node_platforms)
    .values({ account_id: accountId, name: "generic-linux", architectures: [opts.hostArchitecture] });
  await seedLocalProvider(db, accountId, opts.localCatalog);
  await seedAutonomy(db, accountId);
  return { accountId, ownerUserId: owner!.id, created: true };
}

async function seedLocalProvider(db: DbOrTx, accountId: string, snapshot: CatalogSnapshot) {
  const [provider] = await db
    .insert(providers)
    .values({ account_id: accountId, provider_type: "local", name: "local", capabilities: ["instances", "sync"] })
    .returning();
  const [conn] = await db
    .insert(provider_connections)
    .values({ account_id: accountId, provider_id: provider!.id, name: "local", status: "connected" })
    .returning();
  const connectionId = conn!.id;
  const types = snapshot.instance_types.length
    ? await db
        .insert(instance_types)
        .values(
          snapshot.instance_types.map((t) => ({ ...t, account_id: accountId, provider_connection_id: connectionId })),
        )
        .returning()
    : [];
  for (const region of snapshot.regions) {
    const [r] = await db
      .insert(provider_regions)
      .values({
        account_id: accountId,
        provider_connection_id: connectionId,
        region_code: region.region_code,
        name: region.name,
      })
      .returning();
    if (region.zones.length) {
      await db.insert(provider_zones).values(
        region.zones.map((z) => ({
          account_id: accountId,
          provider_region_id: r!.id,
          zone_code: z.zone_code,
          status: z.status,
        })),
      );
    }
    if (types.length) {
      await db.insert(region_instance_types).values(
        types.map((t) => ({
          account_id: accountId,
          region_id: r!.id,
          instance_type_id: t.id,
          hourly_price: "0",
          currency: "USD",
        })),
      );
    }
  }
  if (snapshot.images.length) {
    await db
      .insert(images)
      .values(snapshot.images.map((i) => ({ ...i, account_id: accountId, provider_connection_id: connectionId })));
  }
}
