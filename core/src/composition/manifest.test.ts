import { describe, expect, it } from "vitest";
import { ManifestInput, ModuleName, providedCapabilities } from "./manifest.ts";

const minimal = { schema_version: 1, name: "nginx" };

describe("ModuleName", () => {
  const cases: [string, boolean][] = [
    ["nginx", true],
    ["a", true],
    ["web-proxy2", true],
    ["2fast", false],
    ["Nginx", false],
    ["trailing-", false],
    ["under_score", false],
    [`a${"b".repeat(63)}`, true],
    [`a${"b".repeat(64)}`, false],
  ];
  for (const [name, ok] of cases)
    it(`${name} is ${ok ? "valid" : "invalid"}`, () => expect(ModuleName.safeParse(name).success).toBe(ok));
});

describe("ManifestInput", () => {
  it("fills defaults and normalises glob lines", () => {
    const m = ManifestInput.parse({ ...minimal, file_spec: [" /etc/nginx/*** ", "/usr/sbin/nginx", "/etc/nginx/***"] });
    expect(m.category).toBe("workloads");
    expect(m.reboot_required).toBe(false);
    expect(m.file_spec).toEqual(["/etc/nginx/***", "/usr/sbin/nginx"]);
  });

  it("keeps x- keys under extensions", () => {
    const m = ManifestInput.parse({ ...minimal, "x-team": "edge" });
    expect(m.extensions).toEqual({ "x-team": "edge" });
  });

  const refusals: [string, Record<string, unknown>, string][] = [
    ["an unknown top-level key", { ...minimal, colour: "blue" }, "colour"],
    ["a record-only field", { ...minimal, trust_policy: {} }, "trust_policy"],
    ["the wrong schema_version", { ...minimal, schema_version: 2 }, "schema_version"],
    ["a bad package line", { ...minimal, package_spec: ["curl", "Bad Pkg"] }, "package_spec.1"],
    ["a uid outside 70000–99999", { ...minimal, users: [{ name: "svc", uid: 1000 }] }, "users.0.uid"],
    [
      "duplicate service names",
      {
        ...minimal,
        services: [
          { name: "a", start_command: ["/a"] },
          { name: "a", start_command: ["/b"] },
        ],
      },
      "services.1",
    ],
    [
      "requires_healthy naming no service",
      { ...minimal, services: [{ name: "a", start_command: ["/a"], requires_healthy: ["b"] }] },
      "services.0.requires_healthy.0",
    ],
    ["a malformed dependency ref", { ...minimal, dependencies: { requires: ["nginx"] } }, "dependencies.requires.0"],
    ["a shell string for init", { ...minimal, init: { start: "echo hi" } }, "init.start"],
  ];
  for (const [name, input, path] of refusals) {
    it(`refuses ${name} at ${path}`, () => {
      const r = ManifestInput.safeParse(input);
      expect(r.success).toBe(false);
      expect(r.error!.issues.map((i) => i.path.join("."))).toContain(path);
    });
  }

  it("copies provides to capability tags", () => {
    const m = ManifestInput.parse({ ...minimal, dependencies: { provides: ["http@1.25", "tls", "http"] } });
    expect(providedCapabilities(m)).toEqual(["http", "tls"]);
  });
});
