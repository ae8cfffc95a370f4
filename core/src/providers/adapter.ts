// The contract every cloud provider adapter fulfils (spec/domain.md §4.1) and the normalised
// shapes it returns (§4.2). Operations and workers talk to providers only through this interface.
import type { PROVIDER_TYPES } from "@nodepilot/store";

export type ProviderType = (typeof PROVIDER_TYPES)[number];

export const CAPABILITIES = ["instances", "volumes", "ips", "images", "sync"] as const;
export type Capability = (typeof CAPABILITIES)[number];

export type Architecture = "amd64" | "arm64";
export type BootMode = "direct_kernel" | "uefi_disk" | "cloud_init";

export const INSTANCE_STATUSES = [
  "pending",
  "starting",
  "running",
  "stopping",
  "stopped",
  "rebooting",
  "terminating",
  "terminated",
  "failed",
  "unknown",
] as const;
/** Normalised provider state. A native value no mapping covers becomes `unknown` (and is logged). */
export type InstanceStatus = (typeof INSTANCE_STATUSES)[number];

/** Same shape as the catalog's Logger; declared here so providers do not depend on the catalog. */
export interface ProviderLogger {
  debug(msg: string, data?: Record<string, unknown>): void;
  info(msg: string, data?: Record<string, unknown>): void;
  warn(msg: string, data?: Record<string, unknown>): void;
  error(msg: string, data?: Record<string, unknown>): void;
}

/** Resolved credential fields (connection, then provider_credentials, then platform default). */
export type ProviderCredentials = Readonly<Record<string, string>>;

export interface ProviderCallContext {
  /** Stable across retries of one task attempt (the task id for `provision`). */
  idempotencyToken: string;
  /** The call must settle or fail by then; polling never outlives it. */
  deadline: Date;
  signal: AbortSignal;
  /** Expected to scrub secrets already (see `scrubbingLogger`). */
  logger: ProviderLogger;
  credentials: ProviderCredentials;
}

export interface InstanceInfo {
  cloudInstanceId: string;
  status: InstanceStatus;
  privateIp: string | null;
  publicIp: string | null;
  architecture: Architecture | null;
  instanceTypeCode: string | null;
  zoneCode: string | null;
  providerType: ProviderType;
  syncedAt: Date;
  /** Provider-side name and tags; cloud sync uses them to recognise its own and orphaned instances. */
  name: string | null;
  tags: Readonly<Record<string, string>>;
}

/** What the agent on the new machine needs to find the platform (agent.md §2). */
export interface InstanceIdentity {
  instanceId: string;
  bootstrapToken?: string | null;
  platformUrl?: string | null;
  caPem?: string | null;
}

export interface CreateInstanceParams {
  name: string;
  regionCode: string;
  zoneCode?: string | null;
  instanceTypeCode: string;
  imageCode?: string | null;
  architecture?: Architecture | null;
  spot?: boolean;
  tags: Readonly<Record<string, string>>;
  identity?: InstanceIdentity | null;
  /** Pre-rendered user data for providers that deliver identity that way. */
  userData?: string | null;
}

export interface ExpectedName {
  /** When set, an instance whose provider-side name differs reads as NotFound (guards reused ids). */
  expectedName?: string | null;
}

export interface ListInstancesFilter {
  regionCode?: string | null;
  tag?: { key: string; value: string } | null;
}

export interface ListInstancesResult {
  instances: InstanceInfo[];
  pageCount: number;
  /** True when `maxPages` stopped the listing before the provider ran out of pages. */
  truncated: boolean;
}

export interface CatalogZone {
  zone_code: string;
  status: "available" | "impaired" | "unavailable";
}

export interface CatalogRegion {
  region_code: string;
  name: string;
  zones: CatalogZone[];
}

export interface CatalogInstanceType {
  instance_type_code: string;
  vcpus: number;
  memory_mb: number;
  storage_gb: number;
  gpu_count: number;
  gpu_type: string | null;
  gpu_memory_mb: number | null;
  architecture: Architecture;
}

export interface CatalogRegionInstanceType {
  region_code: string;
  instance_type_code: string;
  available: boolean;
  /** Decimal string, as stored in `region_instance_types.hourly_price`. */
  hourly_price: string | null;
  currency: string | null;
}

export interface CatalogImage {
  image_code: string;
  name: string;
  /** null = usable in every region. */
  region_code: string | null;
  architecture: Architecture;
  boot_mode: BootMode;
}

export interface CatalogVolumeType {
  volume_type_code: string;
  name: string;
}

export interface CatalogSnapshot {
  regions: CatalogRegion[];
  instance_types: CatalogInstanceType[];
  region_instance_types: CatalogRegionInstanceType[];
  images: CatalogImage[];
  volume_types: CatalogVolumeType[];
}

export interface CreateVolumeParams {
  name: string;
  zoneCode: string;
  sizeGb: number;
  volumeTypeCode?: string | null;
  tags: Readonly<Record<string, string>>;
}

export type VolumeStatus = "creating" | "available" | "in_use" | "deleting" | "deleted" | "error" | "unknown";

export interface VolumeInfo {
  volumeId: string;
  status: VolumeStatus;
  sizeGb: number;
  zoneCode: string | null;
  attachedInstanceId: string | null;
  device: string | null;
}

export type ImageStatus = "pending" | "available" | "failed" | "deleted" | "unknown";

export interface ImageInfo {
  imageId: string;
  name: string;
  status: ImageStatus;
  architecture: Architecture | null;
}

export interface ProviderAdapter {
  readonly providerType: ProviderType;
  readonly capabilities: ReadonlySet<Capability>;
  /** Its machines run our agent at once and cannot boot without the agent listener's URL and CA. */
  readonly needsAgentEndpoint?: boolean;

  testConnection(ctx: ProviderCallContext): Promise<{ ok: boolean; message: string; latencyMs: number }>;
  getMetadata(ctx: ProviderCallContext): Promise<CatalogSnapshot>;

  /** Idempotent on `ctx.idempotencyToken`: a retried call returns the first call's machine. */
  createInstance(params: CreateInstanceParams, ctx: ProviderCallContext): Promise<InstanceInfo>;
  startInstance(cloudInstanceId: string, ctx: ProviderCallContext): Promise<InstanceInfo>;
  stopInstance(cloudInstanceId: string, opts: { force?: boolean }, ctx: ProviderCallContext): Promise<InstanceInfo>;
  rebootInstance(cloudInstanceId: string, ctx: ProviderCallContext): Promise<InstanceInfo>;
  terminateInstance(cloudInstanceId: string, opts: ExpectedName, ctx: ProviderCallContext): Promise<void>;
  /** Throws ResourceNotFoundError when the instance is gone or its name differs from `expectedName`. */
  getInstance(cloudInstanceId: string, opts: ExpectedName, ctx: ProviderCallContext): Promise<InstanceInfo>;
  listInstances(
    filter: ListInstancesFilter,
    opts: { maxPages: number },
    ctx: ProviderCallContext,
  ): Promise<ListInstancesResult>;

  allocateIp(ctx: ProviderCallContext): Promise<{ allocationId: string; publicIp: string }>;
  associateIp(
    cloudInstanceId: string,
    allocationId: string | null,
    ctx: ProviderCallContext,
  ): Promise<{ publicIp: string; associationId: string }>;
  disassociateIp(associationId: string, ctx: ProviderCallContext): Promise<void>;
  releaseIp(allocationId: string, ctx: ProviderCallContext): Promise<void>;

  createVolume(params: CreateVolumeParams, ctx: ProviderCallContext): Promise<{ volumeId: string }>;
  attachVolume(
    volumeId: string,
    cloudInstanceId: string,
    device: string | null,
    ctx: ProviderCallContext,
  ): Promise<{ device: string }>;
  detachVolume(volumeId: string, opts: { force?: boolean }, ctx: ProviderCallContext): Promise<void>;
  deleteVolume(volumeId: string, ctx: ProviderCallContext): Promise<void>;
  getVolume(volumeId: string, ctx: ProviderCallContext): Promise<VolumeInfo>;

  createImage(
    cloudInstanceId: string,
    opts: { name: string; description?: string | null },
    ctx: ProviderCallContext,
  ): Promise<{ imageId: string }>;
  getImage(imageId: string, ctx: ProviderCallContext): Promise<ImageInfo>;
  deleteImage(imageId: string, ctx: ProviderCallContext): Promise<void>;

  /** Provider truth for one instance; NotFound reads as `terminated` instead of throwing. */
  syncStatus(cloudInstanceId: string, ctx: ProviderCallContext): Promise<InstanceStatus>;
}
