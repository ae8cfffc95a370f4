import { describe, expect, it } from "vitest";
import { newestVersion, orderingFor, type PackageLinkRow, packageDrift, packageDriftSignal } from "./package-drift.ts";

const now = new Date("2026-03-01T12:00:00.000Z");
const ago = (s: number) => new Date(now.getTime() - s * 1000);
const defaults = packageDrift.settings.parse({});
const LINK = "0190aaaa-0000-7000-8000-000000000a01";
const row = (over: Partial<PackageLinkRow>): PackageLinkRow => ({
  id: LINK,
  package_repository_id: "0190aaaa-0000-7000-8000-000000000a02",
  node_module_id: "0190aaaa-0000-7000-8000-000000000a03",
  package_name: "openssl",
  package_version: "3.0.13-0ubuntu3.1",
  architecture: "amd64",
  last_synced_at: ago(86401),
  kind: "apt",
  upstream_versions: ["3.0.13-0ubuntu3.1", "3.0.13-0ubuntu3.4"],
  open_cve_id: null,
  ...over,
});

describe("package_drift", () => {
  it.each<[string, Partial<PackageLinkRow>, string | null, string | null]>([
    ["newer upstream, synced 24 h + 1 s ago", {}, "medium", "3.0.13-0ubuntu3.4"],
    ["synced exactly 24 h ago", { last_synced_at: ago(86400) }, null, null],
    ["newer upstream with an open CVE", { open_cve_id: "CVE-2026-1234" }, "high", "3.0.13-0ubuntu3.4"],
    ["upstream equal", { upstream_versions: ["3.0.13-0ubuntu3.1"] }, null, null],
    ["upstream older", { upstream_versions: ["3.0.2-0ubuntu1"] }, null, null],
    ["no upstream listing", { upstream_versions: [] }, null, null],
    ["1.10 is newer than 1.9", { package_version: "1.9", upstream_versions: ["1.10"] }, "medium", "1.10"],
    ["a pre-release is older", { package_version: "2.0", upstream_versions: ["2.0~rc1"] }, null, null],
    ["an epoch wins", { package_version: "9.9", upstream_versions: ["1:1.0", "9.10"] }, "medium", "1:1.0"],
    [
      "unparseable upstream ignored",
      { package_version: "1.0", upstream_versions: ["garbage!", "1.1"] },
      "medium",
      "1.1",
    ],
    ["unparseable current skipped", { package_version: "not a version", upstream_versions: ["1.1"] }, null, null],
    [
      "rpm ordering for rpm repositories",
      { kind: "rpm", package_version: "3.0.7-16.el9", upstream_versions: ["3.0.7-16.el9_2", "3.0.7-2.el9"] },
      "medium",
      "3.0.7-16.el9_2",
    ],
    ["rpm: ~ sorts first", { kind: "dnf", package_version: "1.0", upstream_versions: ["1.0~rc1"] }, null, null],
  ])("%s → %s %s", (_label, over, severity, upstream) => {
    const s = packageDriftSignal(row(over), defaults, now);
    expect(s?.severity ?? null).toBe(severity);
    expect((s?.payload.upstream_version as string | undefined) ?? null).toBe(upstream);
  });

  it("carries the spec's fingerprint, payload and refs", () => {
    expect(packageDriftSignal(row({ open_cve_id: "CVE-2026-1234" }), defaults, now)).toEqual({
      kind: "fleet.package_drift",
      severity: "high",
      sensor: "package_drift",
      fingerprint: `pkg_drift:${LINK}:3.0.13-0ubuntu3.4`,
      payload: {
        package_module_link_id: LINK,
        package_repository_id: "0190aaaa-0000-7000-8000-000000000a02",
        node_module_id: "0190aaaa-0000-7000-8000-000000000a03",
        package_name: "openssl",
        current_version: "3.0.13-0ubuntu3.1",
        upstream_version: "3.0.13-0ubuntu3.4",
        architecture: "amd64",
        cve_flagged: true,
      },
      refs: { node_module_id: "0190aaaa-0000-7000-8000-000000000a03", cve_id: "CVE-2026-1234" },
    });
  });

  it("picks the newest by the repository's ordering, not by text", () => {
    expect(newestVersion(["1.9", "1.10", "1.2"], orderingFor("apt"))).toBe("1.10");
    expect(newestVersion(["1.0a", "1.0"], orderingFor("rpm"))).toBe("1.0a");
    expect(newestVersion([], orderingFor("apt"))).toBeNull();
  });
});
