import { describe, expect, it } from "vitest";
import { composePreview, type VersionInfo } from "./compose-preview.ts";
import { category, edge, graph, mod } from "./test-fixtures.ts";

const g = graph(
  [
    mod("web", { category_id: "apps", priority: 10, package_spec: ["nginx", "curl"] }),
    mod("tls", { category_id: "base", priority: 5, package_spec: ["openssl"] }),
    mod("web-conf", { parent_module_id: "web", variety: "config" }),
    mod("mon", { category_id: "apps", priority: 10 }),
    mod("rival", { category_id: "apps" }),
  ],
  [edge("web", "tls", "requires", "^3"), edge("web", "mon", "recommends"), edge("rival", "web", "conflicts")],
  [category("apps", 550), category("base", 150)],
);
const versions = new Map<string, VersionInfo>([
  [
    "web",
    {
      id: "v-web",
      version_number: 3,
      oci_digest: "sha256:w",
      size_bytes: null,
      artifacts: [
        { architecture: "amd64", size_bytes: 9000 },
        { architecture: "arm64", size_bytes: 8000 },
      ],
    },
  ],
  [
    "tls",
    {
      id: "v-tls",
      version_number: 1,
      oci_digest: null,
      size_bytes: null,
      artifacts: [{ architecture: "amd64", size_bytes: 5000 }],
    },
  ],
  ["mon", { id: "v-mon", version_number: 2, oci_digest: null, size_bytes: 4096, artifacts: [] }],
]);

describe("composePreview", () => {
  it("returns the closure in mount order with effective priorities and current versions", () => {
    const p = composePreview({ graph: g, picks: [{ module_id: "web-conf" }], currentVersions: versions });
    expect(p.modules.map((m) => [m.name, m.effective_priority, m.auto_resolved])).toEqual([
      ["web-conf", 550_011, false],
      ["web", 550_010, true],
      ["tls", 150_005, true],
    ]);
    expect(p.modules[1]!.current_version).toEqual({ id: "v-web", version_number: 3, oci_digest: "sha256:w" });
    expect(p.modules[0]!.current_version).toBeNull();
  });

  it("computes the footprint", () => {
    const p = composePreview({
      graph: g,
      picks: [{ module_id: "web" }],
      currentVersions: versions,
      includeOptional: true,
    });
    expect(p.footprint).toEqual({
      module_count: 3,
      estimated_package_count: 3,
      architectures: ["amd64"],
      estimated_size_bytes: 9000 + 5000 + 4096,
    });
  });

  it("draws dependent → dependency edges, with depends_on for a parent", () => {
    const p = composePreview({ graph: g, picks: [{ module_id: "web-conf" }], currentVersions: versions });
    expect(p.dependency_graph.edges).toEqual([
      { source: "web", target: "tls", type: "requires", required: true, version_constraint: "^3" },
      { source: "web-conf", target: "web", type: "depends_on", required: true },
    ]);
    expect(p.dependency_graph.nodes.find((n) => n.id === "web-conf")).toMatchObject({
      explicit: true,
      auto_resolved: false,
    });
  });

  it("lists conflicts with their details as errors", () => {
    const p = composePreview({
      graph: g,
      picks: [{ module_id: "web" }, { module_id: "rival" }],
      currentVersions: versions,
    });
    expect(p.conflicts.map((c) => c.kind)).toEqual(["module_dependency_conflict"]);
    expect(p.errors).toEqual(["rival conflicts with web"]);
    expect(p.warnings).toEqual([]);
    expect(p.dependency_graph.edges).toContainEqual({ source: "rival", target: "web", type: "conflicts" });
  });

  it("uses a pick's priority_override", () => {
    const p = composePreview({
      graph: g,
      picks: [{ module_id: "mon", priority_override: 999 }],
      currentVersions: versions,
    });
    expect(p.modules[0]!.effective_priority).toBe(550_999);
  });
});
