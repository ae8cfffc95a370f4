// The adapters this process can drive, keyed by provider type. Built once in a composition root
// and handed to operations through Services, so tests can register exactly the adapters they need.
import { AppError } from "../errors.ts";
import type { Capability, ProviderAdapter, ProviderType } from "./adapter.ts";

export class ProviderRegistry {
  private readonly adapters = new Map<ProviderType, ProviderAdapter>();

  register(adapter: ProviderAdapter): this {
    // Two adapters for one type would make the choice depend on wiring order.
    if (this.adapters.has(adapter.providerType)) {
      throw new Error(`a provider adapter for "${adapter.providerType}" is already registered`);
    }
    this.adapters.set(adapter.providerType, adapter);
    return this;
  }

  has(providerType: string): boolean {
    return this.adapters.has(providerType as ProviderType);
  }

  /** Registered provider types, sorted (for error messages and health output). */
  types(): ProviderType[] {
    return [...this.adapters.keys()].sort();
  }

  /**
   * The adapter for `providerType`. With `capability`, also refuses up front when the adapter does
   * not declare it, so an operation fails with invalid_input before any task is queued.
   */
  get(providerType: string, capability?: Capability): ProviderAdapter {
    const adapter = this.adapters.get(providerType as ProviderType);
    if (!adapter) {
      const known = this.types();
      throw new AppError(
        "invalid_input",
        `provider "${providerType}" is not available in this deployment` +
          (known.length ? ` (available: ${known.join(", ")})` : " (no providers are configured)"),
        { reason: "provider_unavailable", details: { provider_type: providerType } },
      );
    }
    if (capability && !adapter.capabilities.has(capability)) {
      throw new AppError("invalid_input", `provider "${providerType}" does not support ${capability}`, {
        reason: "capability_not_supported",
        details: { provider_type: providerType, capability },
      });
    }
    return adapter;
  }
}
