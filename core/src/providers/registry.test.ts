import { describe, expect, it } from "vitest";
import { AppError } from "../errors.ts";
import type { Capability, CatalogSnapshot } from "./adapter.ts";
import { BaseProviderAdapter } from "./base-adapter.ts";
import { CapabilityNotSupportedError } from "./errors.ts";
import { ProviderRegistry } from "./registry.ts";

class QemuOnlyInstances extends BaseProviderAdapter {
  readonly providerType = "qemu" as const;
  readonly capabilities: ReadonlySet<Capability> = new Set<Capability>(["instances"]);
  async testConnection() {
    return { ok: true, message: "ok", latencyMs: 0 };
  }
  async getMetadata(): Promise<CatalogSnapshot> {
    return { regions: [], instance_types: [], region_instance_types: [], images: [], volume_types: [] };
  }
}

const ctx = {
  idempotencyToken: "t",
  deadline: new Date(Date.now() + 60_000),
  signal: new AbortController().signal,
  logger: { debug() {}, info() {}, warn() {}, error() {} },
  credentials: {},
};

describe("ProviderRegistry", () => {
  it("returns registered adapters and reports what it has", () => {
    const adapter = new QemuOnlyInstances();
    const registry = new ProviderRegistry().register(adapter);
    expect(registry.get("qemu")).toBe(adapter);
    expect(registry.has("qemu")).toBe(true);
    expect(registry.has("aws")).toBe(false);
    expect(registry.types()).toEqual(["qemu"]);
  });

  it("refuses an unregistered provider with invalid_input/provider_unavailable", () => {
    const registry = new ProviderRegistry().register(new QemuOnlyInstances());
    const err = (() => {
      try {
        registry.get("aws");
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: "invalid_input", reason: "provider_unavailable" });
    expect((err as Error).message).toContain("available: qemu");
  });

  it("refuses a capability the adapter does not declare", () => {
    const registry = new ProviderRegistry().register(new QemuOnlyInstances());
    expect(registry.get("qemu", "instances")).toBeInstanceOf(QemuOnlyInstances);
    expect(() => registry.get("qemu", "ips")).toThrow(
      expect.objectContaining({ code: "invalid_input", reason: "capability_not_supported" }),
    );
  });

  it("rejects a second adapter for the same type", () => {
    const registry = new ProviderRegistry().register(new QemuOnlyInstances());
    expect(() => registry.register(new QemuOnlyInstances())).toThrow(/already registered/);
  });
});

describe("BaseProviderAdapter", () => {
  it("throws CapabilityNotSupportedError from methods outside the capabilities", async () => {
    const adapter = new QemuOnlyInstances();
    await expect(adapter.allocateIp(ctx)).rejects.toBeInstanceOf(CapabilityNotSupportedError);
    await expect(adapter.getVolume("v", ctx)).rejects.toMatchObject({
      code: "capability_not_supported",
      providerType: "qemu",
      retryable: false,
    });
    await expect(adapter.syncStatus("i", ctx)).rejects.toThrow(/does not support "sync"/);
  });
});
