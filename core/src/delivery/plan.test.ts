import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { category, edge } from "../composition/test-fixtures.ts";
import type { CompEdge } from "../composition/types.ts";
import { effectiveSignatureMode, manifestSha256, planDelivery } from "./plan.ts";
import type {
  DeliverySnapshot,
  SnapshotAssignment,
  SnapshotEnvironment,
  SnapshotModule,
  SnapshotVersion,
} from "./snapshot.ts";

const publisherPem = generateKeyPairSync("ed25519").publicKey.export({ type: "spki", format: "pem" }).toString();
const POLICY = { authorities: [{ key: { public_keys: [publisherPem] } }] };
const ERofs = "application/vnd.nodepilot.module.erofs.v1";

function module(id: string, over: Partial<SnapshotModule> = {}): SnapshotModule {
  return {
    id,
    name: id,
    variety: "config",
    enabled: true,
    priority: 0,
    category_id: null,
    parent_module_id: null,
    lock_spec: false,
    mask: [],
    file_spec: [],
    package_spec: [],
    dependency_spec: [],
    protected_spec: [],
    reboot_required: false,
    trust_policy: POLICY,
    current_version_id: `${id}-v1`,
    ...over,
  };
}

function version(moduleId: string, n: number, over: Partial<SnapshotVersion> = {}): SnapshotVersion {
  return {
    id: `${moduleId}-v${n}`,
    node_module_id: moduleId,
    version_number: n,
    source_version: `1.${n}.0`,
    promotion_state: "staging",
    manifest: { schema_version: 1, name: moduleId },
    artifact: {
      oci_digest: `sha256:${String(n).repeat(64).slice(0, 64)}`,
      size_bytes: 8192,
      fsverity_root_hash: "ab".repeat(32),
      media_type: ERofs,
      signature_bundle: { alg: "ed25519", signature_b64: "c2ln", key_index: 0 },
    },
    ...over,
  };
}

const env = (over: Partial<SnapshotEnvironment> = {}): SnapshotEnvironment => ({
  id: "env-dev",
  name: "dev",
  delivery_mode: "following",
  min_promotion_state: "staging",
  protected: false,
  signature_mode: "enforce",
  ...over,
});

const assign = (moduleId: string, over: Partial<SnapshotAssignment> = {}): SnapshotAssignment => ({
  id: `a-${moduleId}`,
  node_module_id: moduleId,
  enabled: true,
  priority_override: null,
  template_join_enabled: null,
  ...over,
});

function snapshot(opts: {
  modules: SnapshotModule[];
  versions?: SnapshotVersion[];
  assignments?: SnapshotAssignment[];
  environment?: SnapshotEnvironment | null;
  edges?: CompEdge[];
  pins?: [string, string][];
}): DeliverySnapshot {
  const versions = opts.versions ?? opts.modules.map((m) => version(m.id, 1));
  return {
    instance: { id: "i-1", node_id: "n-1", architecture: "amd64" },
    environment: opts.environment === undefined ? env() : opts.environment,
    assignments: opts.assignments ?? opts.modules.map((m) => assign(m.id)),
    modules: new Map(opts.modules.map((m) => [m.id, m])),
    edges: opts.edges ?? [],
    categories: new Map([category("base", 150), category("apps", 550)].map((c) => [c.id, c])),
    versions: new Map(versions.map((v) => [v.id, v])),
    pins: new Map(opts.pins ?? []),
  };
}

const delivered = (s: DeliverySnapshot) => planDelivery(s).modules.map((m) => `${m.module_id}@${m.version_number}`);
const withheld = (s: DeliverySnapshot) => planDelivery(s).withheld.map((w) => `${w.module_id}:${w.reason}`);

describe("planDelivery: which assignments are delivered", () => {
  const cases: [string, DeliverySnapshot, string[], string[]][] = [
    ["an enabled assignment at its current version", snapshot({ modules: [module("web")] }), ["web@1"], []],
    [
      "a disabled assignment is left out entirely (not even withheld)",
      snapshot({ modules: [module("web")], assignments: [assign("web", { enabled: false })] }),
      [],
      [],
    ],
    [
      "a disabled module is withheld",
      snapshot({ modules: [module("web", { enabled: false })] }),
      [],
      ["web:module_disabled"],
    ],
    [
      "a row derived from a disabled template join is withheld; a hand-authored one is not",
      snapshot({
        modules: [module("web"), module("db")],
        assignments: [assign("web", { template_join_enabled: false }), assign("db", { template_join_enabled: null })],
      }),
      ["db@1"],
      ["web:template_join_disabled"],
    ],
    [
      "a module without a current version is withheld in a following environment",
      snapshot({ modules: [module("web", { current_version_id: null })] }),
      [],
      ["web:no_current_version"],
    ],
    [
      "a draft current version is not deliverable",
      snapshot({ modules: [module("web")], versions: [version("web", 1, { promotion_state: "draft" })] }),
      [],
      ["web:version_not_deliverable"],
    ],
    [
      "a deprecated current version is not delivered to following environments",
      snapshot({ modules: [module("web")], versions: [version("web", 1, { promotion_state: "deprecated" })] }),
      [],
      ["web:version_not_deliverable"],
    ],
    [
      "a following environment above staging waits for the current version to reach its rung",
      snapshot({ modules: [module("web")], environment: env({ min_promotion_state: "blessed" }) }),
      [],
      ["web:version_not_deliverable"],
    ],
    [
      "an instance without an environment follows current versions",
      snapshot({ modules: [module("web")], environment: null }),
      ["web@1"],
      [],
    ],
    [
      "no artifact for the instance's architecture",
      snapshot({ modules: [module("web")], versions: [version("web", 1, { artifact: null })] }),
      [],
      ["web:no_artifact_for_architecture"],
    ],
    [
      "an artifact the agent cannot mount",
      snapshot({
        modules: [module("web")],
        versions: [
          version("web", 1, {
            artifact: { ...version("web", 1).artifact!, media_type: "application/vnd.oci.image.layer.v1.tar+gzip" },
          }),
        ],
      }),
      [],
      ["web:unsupported_media_type"],
    ],
  ];
  it.each(cases)("%s", (_name, s, mods, held) => {
    expect(delivered(s)).toEqual(mods);
    expect(withheld(s)).toEqual(held);
  });
});

describe("planDelivery: environment resolution", () => {
  const prod = env({ id: "env-prod", name: "prod", delivery_mode: "pinned", min_promotion_state: "live" });
  const versions = [
    version("web", 1, { promotion_state: "live" }),
    version("web", 2, { promotion_state: "staging" }),
    version("web", 3, { promotion_state: "deprecated" }),
    version("web", 4, { promotion_state: "retired" }),
  ];
  const web = module("web", { current_version_id: "web-v2" });
  const cases: [string, DeliverySnapshot, string[], string[]][] = [
    ["following gets the current version", snapshot({ modules: [web], versions }), ["web@2"], []],
    [
      "pinned gets its pin, not the current version",
      snapshot({ modules: [web], versions, environment: prod, pins: [["web", "web-v1"]] }),
      ["web@1"],
      [],
    ],
    [
      "pinned without a pin delivers nothing",
      snapshot({ modules: [web], versions, environment: prod }),
      [],
      ["web:unpinned"],
    ],
    [
      "a pin below the environment's rung is refused",
      snapshot({ modules: [web], versions, environment: prod, pins: [["web", "web-v2"]] }),
      [],
      ["web:version_not_deliverable"],
    ],
    [
      "a deprecated pin stays delivered",
      snapshot({ modules: [web], versions, environment: prod, pins: [["web", "web-v3"]] }),
      ["web@3"],
      [],
    ],
    [
      "a retired pin is never delivered",
      snapshot({ modules: [web], versions, environment: prod, pins: [["web", "web-v4"]] }),
      [],
      ["web:version_not_deliverable"],
    ],
  ];
  it.each(cases)("%s", (_name, s, mods, held) => {
    expect(delivered(s)).toEqual(mods);
    expect(withheld(s)).toEqual(held);
  });
});

describe("planDelivery: dependencies and order", () => {
  it("sorts dependencies before dependants, ties bottom of the overlay first", () => {
    const s = snapshot({
      modules: [
        module("app", { category_id: "apps" }),
        module("runtime", { category_id: "apps", priority: 9 }),
        module("libc", { category_id: "base" }),
        module("zlib", { category_id: "base" }),
      ],
      edges: [edge("app", "runtime"), edge("runtime", "libc")],
    });
    expect(delivered(s)).toEqual(["libc@1", "zlib@1", "runtime@1", "app@1"]);
    const plan = planDelivery(s);
    expect(plan.modules.map((m) => m.effective_priority)).toEqual([150_000, 150_000, 550_009, 550_000]);
  });

  it("applies the assignment's priority_override", () => {
    const s = snapshot({
      modules: [module("web", { category_id: "apps", priority: 5 })],
      assignments: [assign("web", { priority_override: 42 })],
    });
    expect(planDelivery(s).modules[0]!.effective_priority).toBe(550_042);
  });

  it("withholds dependants of a withheld module, transitively", () => {
    const s = snapshot({
      modules: [module("app"), module("runtime"), module("libc", { enabled: false }), module("other")],
      edges: [edge("app", "runtime"), edge("runtime", "libc")],
    });
    expect(delivered(s)).toEqual(["other@1"]);
    expect(withheld(s)).toEqual([
      "app:dependency_not_delivered",
      "libc:module_disabled",
      "runtime:dependency_not_delivered",
    ]);
  });

  it("withholds a child whose parent module is not delivered", () => {
    const s = snapshot({ modules: [module("site", { parent_module_id: "nginx" })] });
    const plan = planDelivery(s);
    expect(plan.withheld).toEqual([expect.objectContaining({ module_id: "site", reason: "dependency_not_delivered" })]);
    expect(plan.withheld[0]!.detail).toContain("parent module");
  });

  it("enforces version constraints against the delivered source_version", () => {
    const mods = [module("app"), module("runtime")];
    const ok = snapshot({ modules: mods, edges: [edge("app", "runtime", "requires", "^1.0.0")] });
    expect(delivered(ok)).toEqual(["runtime@1", "app@1"]);
    const unmet = snapshot({ modules: mods, edges: [edge("app", "runtime", "requires", ">=2")] });
    expect(delivered(unmet)).toEqual(["runtime@1"]);
    expect(withheld(unmet)).toEqual(["app:dependency_version_unmet"]);
  });

  it("ignores recommends and conflicts edges for delivery", () => {
    const s = snapshot({
      modules: [module("app"), module("docs")],
      edges: [edge("app", "extras", "recommends"), edge("app", "docs", "conflicts")],
    });
    expect(delivered(s).sort()).toEqual(["app@1", "docs@1"]);
  });

  it("withholds every module of a dependency cycle", () => {
    const s = snapshot({
      modules: [module("a"), module("b"), module("c")],
      edges: [edge("a", "b"), edge("b", "a")],
    });
    expect(delivered(s)).toEqual(["c@1"]);
    expect(withheld(s)).toEqual(["a:dependency_cycle", "b:dependency_cycle"]);
  });
});

describe("planDelivery: what each entry carries", () => {
  it("takes the manifest and reboot flag from the delivered version, and hashes the manifest", () => {
    const manifest = { schema_version: 1, name: "web", reboot_required: true, services: [] };
    const s = snapshot({ modules: [module("web")], versions: [version("web", 1, { manifest })] });
    const [m] = planDelivery(s).modules;
    expect(m).toMatchObject({ manifest, reboot_required: true, manifest_sha256: manifestSha256(manifest) });
    expect(m!.manifest_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(manifestSha256(null)).toBeNull();
  });

  it("normalises the trust policy, and gives null for a module without a readable one", () => {
    const s = snapshot({ modules: [module("web"), module("raw", { trust_policy: { bogus: true } })] });
    const [raw, web] = planDelivery(s).modules;
    expect(web!.trust_policy).toEqual({
      authorities: [{ key: { public_keys: [publisherPem], require_tlog: false } }],
      min_signatures: 1,
      require_attestations: [],
    });
    expect(raw!.trust_policy).toBeNull();
  });

  const modes: [string, SnapshotEnvironment | null, "enforce" | "audit"][] = [
    ["enforce by default", env(), "enforce"],
    ["audit where an unprotected environment asks", env({ signature_mode: "audit" }), "audit"],
    ["never audit in a protected environment", env({ signature_mode: "audit", protected: true }), "enforce"],
    ["enforce without an environment", null, "enforce"],
  ];
  it.each(modes)("signature mode: %s", (_n, e, mode) => {
    expect(effectiveSignatureMode(e)).toBe(mode);
    const s = snapshot({ modules: [module("web")], environment: e });
    expect(planDelivery(s).modules[0]!.signature_mode).toBe(mode);
  });
});
