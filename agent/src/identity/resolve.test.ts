import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { createTestPki } from "../testing/pki-fixture.ts";
import type { IdentitySourceProbe, SourceOutcome } from "./outcome.ts";
import { IdentityUnresolvedError, redactIdentity, resolveIdentity } from "./resolve.ts";

const ID = "7f0c8a52-1d0e-4c3a-9b1e-0a2b3c4d5e6f";
let caPem = "";
beforeAll(async () => {
  caPem = (await createTestPki()).caPem;
});

const fixed = (
  name: IdentitySourceProbe["name"],
  out: () => SourceOutcome | Promise<SourceOutcome>,
): IdentitySourceProbe => ({
  name,
  probe: async () => out(),
});

describe("resolveIdentity", () => {
  it("moves past absent, errored and incomplete sources to the first complete one", async () => {
    const { record, reports } = await resolveIdentity({}, [
      fixed("cmdline", () => ({ status: "absent", detail: "none" })),
      fixed("fw_cfg", () => ({ status: "error", error: "boom" })),
      fixed("aws", () => ({ status: "found", fields: { platform_url: "https://np.test", ca_pem: caPem } })),
      fixed("gcp", () => ({
        status: "found",
        fields: { instance_id: ID, platform_url: "http://np.test", ca_pem: caPem },
      })),
      fixed("files", () => ({
        status: "found",
        fields: { instance_id: ID, bootstrap_token: "tok", platform_url: "https://np.test:8443", ca_pem: caPem },
      })),
      fixed("azure", () => {
        throw new Error("must not be reached");
      }),
    ]);
    expect(record).toMatchObject({
      instance_id: ID,
      bootstrap_token: "tok",
      platform_url: "https://np.test:8443",
      source: "files",
    });
    expect(reports.map((r) => [r.source, r.status])).toEqual([
      ["cmdline", "absent"],
      ["fw_cfg", "error"],
      ["aws", "incomplete"],
      ["gcp", "incomplete"],
      ["files", "won"],
    ]);
    expect(reports[2]!.detail).toBe("missing instance_id");
    expect(reports[3]!.detail).toMatch(/not https/);
    expect(JSON.stringify(redactIdentity(record))).not.toContain('"tok"');
    expect(redactIdentity(record).bootstrap_token).toBe("<redacted 3 chars>");
  });

  it("fails with identity_unresolved listing every source", async () => {
    const err = await resolveIdentity({}, [
      fixed("cmdline", () => ({ status: "absent", detail: "no params" })),
      fixed("files", () => ({
        status: "found",
        fields: {
          instance_id: ID,
          platform_url: "https://np.test",
          ca_pem: "-----BEGIN CERTIFICATE-----\nxx\n-----END CERTIFICATE-----",
        },
      })),
    ]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IdentityUnresolvedError);
    const reports = (err as IdentityUnresolvedError).reports;
    expect(reports).toEqual([
      { source: "cmdline", status: "absent", detail: "no params" },
      { source: "files", status: "incomplete", detail: "CA is not a parseable PEM certificate" },
    ]);
  });

  it("skips the remaining sources once the total deadline has passed", async () => {
    const err = (await resolveIdentity({ deadlineMs: 50 }, [
      fixed("cmdline", () => new Promise((r) => setTimeout(() => r({ status: "absent", detail: "slow" }), 100))),
      fixed("files", () => ({
        status: "found",
        fields: { instance_id: ID, platform_url: "https://np.test", ca_pem: caPem },
      })),
    ]).catch((e: unknown) => e)) as IdentityUnresolvedError;
    expect(err.reports.map((r) => r.status)).toEqual(["absent", "skipped"]);
  });

  it("resolves the local provider's sandbox identity.cfg through --identity-file before anything else", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "np-resolve-"));
    await writeFile(path.join(dir, "ca.pem"), caPem);
    await writeFile(
      path.join(dir, "identity.cfg"),
      `# Written by the Nodepilot local provider\nID='${ID}'\nKEY='tok'\nSERVER='https://127.0.0.1:8443'\nCA_PEM_FILE='${path.join(dir, "ca.pem")}'\n`,
      { mode: 0o600 },
    );
    const { record, reports } = await resolveIdentity({
      identityFile: path.join(dir, "identity.cfg"),
      cmdlinePath: path.join(dir, "no-cmdline"),
      sysfsRoot: dir,
      metadataBaseUrl: "http://127.0.0.1:9",
    });
    expect(record).toMatchObject({ source: "files", instance_id: ID, platform_url: "https://127.0.0.1:8443" });
    expect(reports).toHaveLength(1);
  });

  it("--source restricts discovery to one strategy", async () => {
    const err = (await resolveIdentity({ only: "fw_cfg" }, [
      fixed("cmdline", () => {
        throw new Error("must not run");
      }),
      fixed("fw_cfg", () => ({ status: "absent", detail: "no fw_cfg" })),
    ]).catch((e: unknown) => e)) as IdentityUnresolvedError;
    expect(err.reports).toEqual([{ source: "fw_cfg", status: "absent", detail: "no fw_cfg" }]);
  });
});
