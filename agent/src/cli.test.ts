import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { main } from "./cli.ts";
import { Outbox } from "./outbox/outbox.ts";
import { createTestPki } from "./testing/pki-fixture.ts";

const ID = "7f0c8a52-1d0e-4c3a-9b1e-0a2b3c4d5e6f";
let caPem = "";
beforeAll(async () => {
  caPem = (await createTestPki()).caPem;
});

async function run(argv: string[], env: Record<string, string> = {}) {
  let stdout = "";
  let stderr = "";
  const code = await main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env });
  return { code, stdout, stderr };
}

async function identityDir(mode = 0o600) {
  const dir = await mkdtemp(path.join(tmpdir(), "np-cli-"));
  await writeFile(path.join(dir, "ca.pem"), caPem);
  await writeFile(
    path.join(dir, "identity.cfg"),
    `ID='${ID}'\nKEY='s3cret-token'\nSERVER='https://127.0.0.1:8443'\nCA_PEM_FILE='${path.join(dir, "ca.pem")}'\n`,
    { mode },
  );
  return dir;
}

// Keeps discovery local and fast: no cmdline, no fw_cfg, metadata on a closed port.
const offline = (dir: string) => [
  "--cmdline-path",
  path.join(dir, "none"),
  "--sysfs-root",
  dir,
  "--metadata-url",
  "http://127.0.0.1:9",
  "--state-dir",
  dir,
];

describe("nodepilot-agent CLI", () => {
  it("version prints version, commit, build date and protocol", async () => {
    const out = await run(["version", "--json"]);
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual({
      version: expect.any(String),
      git_commit: expect.any(String),
      build_date: expect.any(String),
      protocol_version: 1,
    });
    expect((await run(["version"])).stdout).toMatch(/^nodepilot-agent \S+ \(commit/);
  });

  it("identity --json shows the winning source with the token redacted to its length", async () => {
    const dir = await identityDir();
    const out = await run(["identity", "--json", "--identity-file", path.join(dir, "identity.cfg"), ...offline(dir)]);
    expect(out.code).toBe(0);
    const body = JSON.parse(out.stdout);
    expect(body.identity).toMatchObject({
      instance_id: ID,
      platform_url: "https://127.0.0.1:8443",
      source: "files",
      bootstrap_token: "<redacted 12 chars>",
    });
    expect(out.stdout).not.toContain("s3cret-token");
    expect(body.sources).toEqual([{ source: "files", status: "won", detail: "identity complete" }]);
  });

  it("reads NODEPILOT_IDENTITY_FILE too", async () => {
    const dir = await identityDir();
    const out = await run(["identity", "--json", ...offline(dir)], {
      NODEPILOT_IDENTITY_FILE: path.join(dir, "identity.cfg"),
    });
    expect(JSON.parse(out.stdout).identity.source).toBe("files");
  });

  it("exits 5 listing every source when identity is unresolved", async () => {
    const dir = await identityDir(0o644);
    const out = await run(["identity", "--json", "--identity-file", path.join(dir, "identity.cfg"), ...offline(dir)]);
    expect(out.code).toBe(5);
    const body = JSON.parse(out.stdout);
    expect(body.error).toBe("identity_unresolved");
    expect(body.sources.map((s: { source: string }) => s.source)).toEqual([
      "files",
      "cmdline",
      "fw_cfg",
      "aws",
      "gcp",
      "azure",
      "digitalocean",
    ]);
    expect(body.sources[0]).toMatchObject({ status: "error", detail: expect.stringMatching(/must be 0600/) });
    expect(out.stderr).toMatch(/identity unresolved/);
  });

  it("exits 64 on usage errors", async () => {
    expect((await run(["frobnicate"])).code).toBe(64);
    expect((await run(["version", "--nope"])).code).toBe(64);
    expect((await run([])).code).toBe(64);
    expect((await run(["identity", "--source", "moon"])).code).toBe(64);
  });

  it("status and tasks work on an empty state dir; rotate needs enrollment (exit 4)", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "np-cli-"));
    const status = await run(["status", "--json", "--state-dir", dir]);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ enrolled: false, certificate: null, outbox_depth: 0 });
    const tasks = await run(["tasks", "--json", "--state-dir", dir]);
    expect(JSON.parse(tasks.stdout)).toEqual({ journal: [] });
    expect((await run(["rotate", "--state-dir", dir])).code).toBe(4);
    expect((await run(["fetch-module", "sha256:abc", "--state-dir", dir])).code).toBe(4);
  });

  it("status shows the outbox depth: queued events plus task reports, and the dropped count", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "np-cli-"));
    const outbox = await Outbox.open(path.join(dir, "outbox"), { maxEntries: 3 });
    for (let i = 0; i < 4; i++) await outbox.emit({ kind: "module.fetch_failed", payload: { i } });
    await outbox.close();
    const json = await run(["status", "--json", "--state-dir", dir]);
    // 4 queued over a cap of 3: down to 2, plus the agent.events_dropped notice.
    expect(JSON.parse(json.stdout)).toMatchObject({
      outbox_depth: 3,
      outbox: { events: 3, task_reports: 0, dropped_events: 2 },
    });
    const text = await run(["status", "--state-dir", dir]);
    expect(text.stdout).toMatch(/outbox depth: 3 \(3 events, 0 task reports; 2 events dropped\)/);
  });
});
