// Base class for adapters: every capability-bound method refuses with CapabilityNotSupportedError
// unless a subclass implements it, so an adapter only writes the methods it really supports.
import type {
  Capability,
  CatalogSnapshot,
  CreateInstanceParams,
  CreateVolumeParams,
  ExpectedName,
  ImageInfo,
  InstanceInfo,
  InstanceStatus,
  ListInstancesFilter,
  ListInstancesResult,
  ProviderAdapter,
  ProviderCallContext,
  ProviderType,
  VolumeInfo,
} from "./adapter.ts";
import { CapabilityNotSupportedError } from "./errors.ts";

/** Which capability each optional method belongs to (operations check this before calling). */
export const METHOD_CAPABILITY = {
  createInstance: "instances",
  startInstance: "instances",
  stopInstance: "instances",
  rebootInstance: "instances",
  terminateInstance: "instances",
  getInstance: "instances",
  listInstances: "instances",
  allocateIp: "ips",
  associateIp: "ips",
  disassociateIp: "ips",
  releaseIp: "ips",
  createVolume: "volumes",
  attachVolume: "volumes",
  detachVolume: "volumes",
  deleteVolume: "volumes",
  getVolume: "volumes",
  createImage: "images",
  getImage: "images",
  deleteImage: "images",
  syncStatus: "sync",
} as const satisfies Record<string, Capability>;

export type CapabilityMethod = keyof typeof METHOD_CAPABILITY;

export abstract class BaseProviderAdapter implements ProviderAdapter {
  abstract readonly providerType: ProviderType;
  abstract readonly capabilities: ReadonlySet<Capability>;

  abstract testConnection(ctx: ProviderCallContext): Promise<{ ok: boolean; message: string; latencyMs: number }>;
  abstract getMetadata(ctx: ProviderCallContext): Promise<CatalogSnapshot>;

  protected unsupported(method: CapabilityMethod): never {
    const capability = METHOD_CAPABILITY[method];
    const declared = this.capabilities.has(capability);
    throw new CapabilityNotSupportedError(
      declared
        ? `${this.providerType} declares "${capability}" but does not implement ${method}`
        : `${this.providerType} does not support "${capability}" (${method})`,
      { providerType: this.providerType },
    );
  }

  async createInstance(_p: CreateInstanceParams, _ctx: ProviderCallContext): Promise<InstanceInfo> {
    return this.unsupported("createInstance");
  }
  async startInstance(_id: string, _ctx: ProviderCallContext): Promise<InstanceInfo> {
    return this.unsupported("startInstance");
  }
  async stopInstance(_id: string, _opts: { force?: boolean }, _ctx: ProviderCallContext): Promise<InstanceInfo> {
    return this.unsupported("stopInstance");
  }
  async rebootInstance(_id: string, _ctx: ProviderCallContext): Promise<InstanceInfo> {
    return this.unsupported("rebootInstance");
  }
  async terminateInstance(_id: string, _opts: ExpectedName, _ctx: ProviderCallContext): Promise<void> {
    return this.unsupported("terminateInstance");
  }
  async getInstance(_id: string, _opts: ExpectedName, _ctx: ProviderCallContext): Promise<InstanceInfo> {
    return this.unsupported("getInstance");
  }
  async listInstances(
    _filter: ListInstancesFilter,
    _opts: { maxPages: number },
    _ctx: ProviderCallContext,
  ): Promise<ListInstancesResult> {
    return this.unsupported("listInstances");
  }
  async allocateIp(_ctx: ProviderCallContext): Promise<{ allocationId: string; publicIp: string }> {
    return this.unsupported("allocateIp");
  }
  async associateIp(
    _id: string,
    _allocationId: string | null,
    _ctx: ProviderCallContext,
  ): Promise<{ publicIp: string; associationId: string }> {
    return this.unsupported("associateIp");
  }
  async disassociateIp(_associationId: string, _ctx: ProviderCallContext): Promise<void> {
    return this.unsupported("disassociateIp");
  }
  async releaseIp(_allocationId: string, _ctx: ProviderCallContext): Promise<void> {
    return this.unsupported("releaseIp");
  }
  async createVolume(_p: CreateVolumeParams, _ctx: ProviderCallContext): Promise<{ volumeId: string }> {
    return this.unsupported("createVolume");
  }
  async attachVolume(
    _volumeId: string,
    _instanceId: string,
    _device: string | null,
    _ctx: ProviderCallContext,
  ): Promise<{ device: string }> {
    return this.unsupported("attachVolume");
  }
  async detachVolume(_volumeId: string, _opts: { force?: boolean }, _ctx: ProviderCallContext): Promise<void> {
    return this.unsupported("detachVolume");
  }
  async deleteVolume(_volumeId: string, _ctx: ProviderCallContext): Promise<void> {
    return this.unsupported("deleteVolume");
  }
  async getVolume(_volumeId: string, _ctx: ProviderCallContext): Promise<VolumeInfo> {
    return this.unsupported("getVolume");
  }
  async createImage(
    _id: string,
    _opts: { name: string; description?: string | null },
    _ctx: ProviderCallContext,
  ): Promise<{ imageId: string }> {
    return this.unsupported("createImage");
  }
  async getImage(_imageId: string, _ctx: ProviderCallContext): Promise<ImageInfo> {
    return this.unsupported("getImage");
  }
  async deleteImage(_imageId: string, _ctx: ProviderCallContext): Promise<void> {
    return this.unsupported("deleteImage");
  }
  async syncStatus(_id: string, _ctx: ProviderCallContext): Promise<InstanceStatus> {
    return this.unsupported("syncStatus");
  }
}
