// When the resolver does not claim (spec/agent.md §2, source 8): an identity file that has a KEY,
// claiming turned off, and `--source claim` with no identity file to say where to claim from. None
// of these talks HTTP; the claim polling itself runs against the real agent listener in
// server/src/e2e/claim-polling.test.ts.
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { createTestPki } from "../testing/pki-fixture.ts";
import type { ClaimOptions } from "./claim.ts";
import { resolveIdentity, type SourceReport } from "./resolve.ts";

let root: string;
let offline: { cmdlinePath: string; sysfsRoot: string; metadataBaseUrl: string };
// Claiming here would be the bug under test: fail at once instead of polling a dead address forever.
const mustNotClaim: ClaimOptions = {
  consolePath: null,
  log: () => undefined,
  sleep: () => Promise.reject(new Error("the claim source ran")),
};
const sources = (err: { reports: SourceReport[] }) => err.reports.map((r) => r.source);

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "np-claim-"));
  await writeFile(path.join(root, "ca.pem"), (await createTestPki()).caPem);
  offline = { cmdlinePath: path.join(root, "none"), sysfsRoot: root, metadataBaseUrl: "http://127.0.0.1:9" };
});

describe("resolveIdentity does not claim", () => {
  it("when the identity file has a KEY", async () => {
    const file = path.join(root, "with-key.cfg");
    await writeFile(file, "KEY=abc\nSERVER=https://127.0.0.1:9\nCA_PEM_FILE=ca.pem\n", { mode: 0o600 });
    const err = await resolveIdentity({ identityFile: file, ...offline, claim: mustNotClaim }).catch((e) => e);
    expect(err.code).toBe("identity_unresolved");
    expect(sources(err)).toContain("files");
    expect(sources(err)).not.toContain("claim");
  });

  it("when claiming is turned off", async () => {
    const bare = path.join(root, "bare.cfg");
    await writeFile(bare, "SERVER=https://127.0.0.1:9\nCA_PEM_FILE=ca.pem\n");
    const off = await resolveIdentity({ identityFile: bare, ...offline, claim: false }).catch((e) => e);
    expect(off.code).toBe("identity_unresolved");
    expect(sources(off)).not.toContain("claim");
  });

  it("with `--source claim` when no identity file says where to claim from", async () => {
    const only = await resolveIdentity({
      only: "claim",
      ...offline,
      identityFileCandidates: [],
      claim: mustNotClaim,
    }).catch((e) => e);
    // `--source claim` reads the identity files (here none exist) and then only claims.
    expect(only.reports).toEqual([
      { source: "files", status: "absent", detail: "none of  exists" },
      { source: "claim", status: "absent", detail: "no identity file gave SERVER and a CA without ID/KEY" },
    ]);
  });
});
