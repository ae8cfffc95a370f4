// Public surface of the provider layer: the adapter contract, typed errors, the registry and the
// adapters that ship with the platform.
export type {
  Architecture,
  BootMode,
  Capability,
  CatalogImage,
  CatalogInstanceType,
  CatalogRegion,
  CatalogRegionInstanceType,
  CatalogSnapshot,
  CatalogVolumeType,
  CatalogZone,
  CreateInstanceParams,
  CreateVolumeParams,
  ExpectedName,
  ImageInfo,
  ImageStatus,
  InstanceIdentity,
  InstanceInfo,
  InstanceStatus,
  ListInstancesFilter,
  ListInstancesResult,
  ProviderAdapter,
  ProviderCallContext,
  ProviderCredentials,
  ProviderLogger,
  ProviderType,
  VolumeInfo,
  VolumeStatus,
} from "./adapter.ts";
export { CAPABILITIES, INSTANCE_STATUSES } from "./adapter.ts";
export { BaseProviderAdapter, type CapabilityMethod, METHOD_CAPABILITY } from "./base-adapter.ts";
export {
  AuthenticationError,
  CapabilityNotSupportedError,
  ConflictError,
  InvalidRequestError,
  PROVIDER_ERROR_CODES,
  ProviderError,
  type ProviderErrorCode,
  type ProviderErrorOptions,
  ProviderTimeoutError,
  QuotaExceededError,
  RateLimitError,
  ResourceNotFoundError,
  scrubSecrets,
  TransientProviderError,
} from "./errors.ts";
export { LocalProvider, type LocalProviderOptions } from "./local/local-provider.ts";
export { ProviderRegistry } from "./registry.ts";
export { scrubbingLogger } from "./scrubbing-logger.ts";
