// What the local provider offers: one region and zone on this host, two sizes, one image.
import type { Architecture, CatalogSnapshot } from "../adapter.ts";

export const LOCAL_REGION = "local";
export const LOCAL_ZONE = "local-a";
export const LOCAL_IMAGE = "local-default";

/** Sizes are labels for scheduling and display; the processes are not resource-limited. */
export const LOCAL_INSTANCE_TYPES = {
  "local.small": { vcpus: 1, memory_mb: 512 },
  "local.medium": { vcpus: 2, memory_mb: 2048 },
} as const;

export function hostArchitecture(arch: string = process.arch): Architecture | null {
  if (arch === "x64") return "amd64";
  if (arch === "arm64") return "arm64";
  return null;
}

export function localCatalog(architecture: Architecture): CatalogSnapshot {
  const types = Object.entries(LOCAL_INSTANCE_TYPES);
  return {
    regions: [
      { region_code: LOCAL_REGION, name: "This machine", zones: [{ zone_code: LOCAL_ZONE, status: "available" }] },
    ],
    instance_types: types.map(([code, size]) => ({
      instance_type_code: code,
      vcpus: size.vcpus,
      memory_mb: size.memory_mb,
      storage_gb: 0,
      gpu_count: 0,
      gpu_type: null,
      gpu_memory_mb: null,
      architecture,
    })),
    region_instance_types: types.map(([code]) => ({
      region_code: LOCAL_REGION,
      instance_type_code: code,
      available: true,
      hourly_price: null,
      currency: null,
    })),
    images: [
      { image_code: LOCAL_IMAGE, name: "Local sandbox", region_code: null, architecture, boot_mode: "cloud_init" },
    ],
    volume_types: [],
  };
}
