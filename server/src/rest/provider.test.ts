// Provider and catalog reads over REST: the seeded local provider, connections without credentials,
// catalog filters (GPU, architecture, region offers, availability), field-named errors and tenancy.
import {
  images,
  instance_types,
  provider_connections,
  provider_regions,
  provider_zones,
  providers,
  region_instance_types,
} from "@nodepilot/store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestFleet, type TestFleet } from "../testing/harness.ts";

let fleet: TestFleet;
let other: TestFleet;
const ids: Record<string, string> = {};
const SECRET = "sealed-credential-blob-that-must-not-leak";

beforeAll(async () => {
  fleet = await createTestFleet();
  other = await createTestFleet();
  const db = fleet.runtime.database.db;
  const account_id = fleet.runtime.accountId;
  const [p] = await db
    .insert(providers)
    .values({ account_id, provider_type: "aws", name: "aws-main", capabilities: ["instances"] })
    .returning();
  const [c] = await db
    .insert(provider_connections)
    .values({
      account_id,
      provider_id: p!.id,
      name: "aws-prod",
      credentials_encrypted: SECRET,
      status: "error",
      last_test_message: "denied",
    })
    .returning();
  const [r1] = await db
    .insert(provider_regions)
    .values({ account_id, provider_connection_id: c!.id, region_code: "us-east-1", name: "N. Virginia" })
    .returning();
  const [r2] = await db
    .insert(provider_regions)
    .values({ account_id, provider_connection_id: c!.id, region_code: "eu-gone-1", name: "Gone", available: false })
    .returning();
  await db.insert(provider_zones).values([
    { account_id, provider_region_id: r1!.id, zone_code: "us-east-1a" },
    { account_id, provider_region_id: r1!.id, zone_code: "us-east-1b", status: "impaired" },
  ]);
  const types = await db
    .insert(instance_types)
    .values([
      {
        account_id,
        provider_connection_id: c!.id,
        instance_type_code: "p4d.24xlarge",
        vcpus: 96,
        memory_mb: 1_179_648,
        gpu_count: 8,
        gpu_type: "A100",
        gpu_memory_mb: 40_960,
        architecture: "amd64" as const,
      },
      {
        account_id,
        provider_connection_id: c!.id,
        instance_type_code: "g5.xlarge",
        vcpus: 4,
        memory_mb: 16_384,
        gpu_count: 1,
        gpu_type: "A10G",
        gpu_memory_mb: 24_576,
        architecture: "amd64" as const,
      },
      {
        account_id,
        provider_connection_id: c!.id,
        instance_type_code: "g5g.xlarge",
        vcpus: 4,
        memory_mb: 8_192,
        gpu_count: 1,
        gpu_type: "T4G",
        gpu_memory_mb: 16_384,
        architecture: "arm64" as const,
      },
      {
        account_id,
        provider_connection_id: c!.id,
        instance_type_code: "p3.retired",
        vcpus: 8,
        memory_mb: 61_440,
        gpu_count: 1,
        gpu_type: "V100",
        gpu_memory_mb: 16_384,
        architecture: "amd64" as const,
        available: false,
      },
    ])
    .returning();
  const byCode = Object.fromEntries(types.map((t) => [t.instance_type_code, t.id]));
  await db.insert(region_instance_types).values([
    {
      account_id,
      region_id: r1!.id,
      instance_type_id: byCode["p4d.24xlarge"]!,
      hourly_price: "32.7726",
      currency: "USD",
    },
    {
      account_id,
      region_id: r1!.id,
      instance_type_id: byCode["g5.xlarge"]!,
      available: false,
      hourly_price: "1.006",
      currency: "USD",
    },
  ]);
  await db.insert(images).values([
    {
      account_id,
      provider_connection_id: c!.id,
      image_code: "ami-regional",
      name: "regional",
      region_id: r1!.id,
      architecture: "amd64",
      boot_mode: "uefi_disk",
    },
    {
      account_id,
      provider_connection_id: c!.id,
      image_code: "ami-elsewhere",
      name: "elsewhere",
      region_id: r2!.id,
      architecture: "amd64",
      boot_mode: "uefi_disk",
    },
    {
      account_id,
      provider_connection_id: c!.id,
      image_code: "ami-global-arm",
      name: "global arm",
      architecture: "arm64",
      boot_mode: "cloud_init",
    },
  ]);
  Object.assign(ids, { provider: p!.id, connection: c!.id, region: r1!.id, goneRegion: r2!.id, ...byCode });
});
afterAll(async () => {
  await fleet?.close();
  await other?.close();
});

const codes = (body: {
  data: { instance_type_code?: string; image_code?: string; region_code?: string; zone_code?: string }[];
}) => body.data.map((r) => r.instance_type_code ?? r.image_code ?? r.region_code ?? r.zone_code);

describe("providers and connections", () => {
  it("lists the seeded local provider and ours, and reads one by id", async () => {
    const list = await fleet.api("GET", "/api/v1/providers", { token: fleet.tokens.reader });
    expect(list.status).toBe(200);
    expect(list.body.data.map((p: { name: string }) => p.name)).toEqual(["local", "aws-main"]);
    expect((await fleet.api("GET", "/api/v1/providers?provider_type=aws")).body.data).toHaveLength(1);
    const got = await fleet.api("GET", `/api/v1/providers/${ids.provider}`);
    expect(got.body.data).toMatchObject({ provider_type: "aws", capabilities: ["instances"], enabled: true });
    expect((await other.api("GET", `/api/v1/providers/${ids.provider}`)).status).toBe(404);
  });

  it("never returns connection credentials", async () => {
    const list = await fleet.api("GET", "/api/v1/provider_connections");
    expect(list.status).toBe(200);
    const text = JSON.stringify(list.body);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain("credentials_encrypted");
    const aws = list.body.data.find((c: { name: string }) => c.name === "aws-prod");
    expect(aws).toMatchObject({ has_credentials: true, status: "error", last_test_message: "denied" });
    const local = list.body.data.find((c: { name: string }) => c.name === "local");
    expect(local).toMatchObject({ has_credentials: false, status: "connected" });
    const failing = await fleet.api("GET", "/api/v1/provider_connections?status=error");
    expect(failing.body.data.map((c: { id: string }) => c.id)).toEqual([ids.connection]);
    const got = await fleet.api("GET", `/api/v1/provider_connections/${ids.connection}`);
    expect(JSON.stringify(got.body)).not.toContain(SECRET);
    expect((await other.api("GET", `/api/v1/provider_connections/${ids.connection}`)).status).toBe(404);
  });
});

describe("catalog", () => {
  it("lists regions (hiding unavailable ones by default) and zones", async () => {
    const regions = await fleet.api("GET", `/api/v1/provider_regions?provider_connection_id=${ids.connection}`);
    expect(codes(regions.body)).toEqual(["us-east-1"]);
    const all = await fleet.api(
      "GET",
      `/api/v1/provider_regions?provider_connection_id=${ids.connection}&include_unavailable=true`,
    );
    expect(codes(all.body)).toEqual(["us-east-1", "eu-gone-1"]);
    expect(codes((await fleet.api("GET", "/api/v1/provider_regions")).body)).toEqual(["local", "us-east-1"]);
    const zones = await fleet.api("GET", `/api/v1/provider_zones?region_id=${ids.region}`);
    expect(codes(zones.body)).toEqual(["us-east-1a", "us-east-1b"]);
    expect(codes((await fleet.api("GET", "/api/v1/provider_zones?status=impaired")).body)).toEqual(["us-east-1b"]);
  });

  it("filters instance types by GPU type, count, memory and architecture", async () => {
    const a100 = await fleet.api("GET", "/api/v1/instance_types?gpu_type=a100&min_gpu_count=2", {
      token: fleet.tokens.reader,
    });
    expect(a100.status).toBe(200);
    expect(codes(a100.body)).toEqual(["p4d.24xlarge"]);
    expect(a100.body.data[0].region_offer).toBeNull();
    expect(codes((await fleet.api("GET", "/api/v1/instance_types?min_gpu_count=1")).body)).toEqual([
      "p4d.24xlarge",
      "g5.xlarge",
      "g5g.xlarge",
    ]);
    expect(codes((await fleet.api("GET", "/api/v1/instance_types?min_gpu_memory_mb=20000")).body)).toEqual([
      "p4d.24xlarge",
      "g5.xlarge",
    ]);
    expect(codes((await fleet.api("GET", "/api/v1/instance_types?architecture=arm64&min_gpu_count=1")).body)).toEqual([
      "g5g.xlarge",
    ]);
    expect(codes((await fleet.api("GET", "/api/v1/instance_types?gpu_type=v100")).body)).toEqual([]);
    expect(
      codes((await fleet.api("GET", "/api/v1/instance_types?gpu_type=v100&include_unavailable=true")).body),
    ).toEqual(["p3.retired"]);
    const local = await fleet.api(
      "GET",
      `/api/v1/instance_types?min_gpu_count=0&provider_connection_id=${ids.connection}`,
    );
    expect(local.body.data).toHaveLength(3);
  });

  it("restricts to a region's available offers and returns that region's price", async () => {
    const res = await fleet.api("GET", `/api/v1/instance_types?region_id=${ids.region}`);
    expect(codes(res.body)).toEqual(["p4d.24xlarge"]);
    expect(res.body.data[0].region_offer).toMatchObject({
      region_id: ids.region,
      available: true,
      hourly_price: "32.7726",
      currency: "USD",
    });
    const withGone = await fleet.api("GET", `/api/v1/instance_types?region_id=${ids.region}&include_unavailable=true`);
    expect(codes(withGone.body)).toEqual(["p4d.24xlarge", "g5.xlarge"]);
    expect(withGone.body.data[1].region_offer.available).toBe(false);
    const foreign = await other.api("GET", `/api/v1/instance_types?region_id=${ids.region}`);
    expect(foreign.status).toBe(404);
  });

  it("lists a region's images plus global ones", async () => {
    const res = await fleet.api("GET", `/api/v1/images?region_id=${ids.region}`);
    expect(codes(res.body)).toEqual(["local-default", "ami-regional", "ami-global-arm"]);
    expect(codes((await fleet.api("GET", "/api/v1/images?architecture=arm64")).body)).toEqual(["ami-global-arm"]);
    expect(
      codes(
        (await fleet.api("GET", `/api/v1/images?provider_connection_id=${ids.connection}&boot_mode=uefi_disk`)).body,
      ),
    ).toEqual(["ami-regional", "ami-elsewhere"]);
  });

  it("names the field on invalid filters", async () => {
    const cases: [string, string][] = [
      ["/api/v1/instance_types?min_gpu_count=two", "min_gpu_count"],
      ["/api/v1/instance_types?min_gpu_count=-1", "min_gpu_count"],
      ["/api/v1/instance_types?architecture=riscv", "architecture"],
      ["/api/v1/instance_types?region_id=us-east-1", "region_id"],
      ["/api/v1/images?boot_mode=pxe", "boot_mode"],
      ["/api/v1/provider_zones?status=down", "status"],
      ["/api/v1/providers?provider_type=ibm", "provider_type"],
      ["/api/v1/provider_regions?include_unavailable=maybe", "include_unavailable"],
    ];
    for (const [path, field] of cases) {
      const res = await fleet.api("GET", path);
      expect(res.status, path).toBe(400);
      expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(field);
    }
  });
});
