// The agent against a local mTLS listener: enrollment writes pki/, the task loop leases, runs,
// reports and recovers through the journal.
import { mkdtemp, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { IdentityRecord } from "@nodepilot/core/agent-protocol";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { PlatformClient } from "../client/platform-client.ts";
import { enroll } from "../enroll.ts";
import { ExitError } from "../exit-codes.ts";
import type { TaskHandler } from "../handlers/handler.ts";
import { defaultHandlers } from "../handlers/index.ts";
import { TaskJournal } from "../state/journal.ts";
import { readPki } from "../state/pki.ts";
import { type StatePaths, statePaths } from "../state/state-dir.ts";
import { csrSigner, type FakePlatform, startFakePlatform } from "../testing/fake-platform.ts";
import { createTestPki, type TestPki } from "../testing/pki-fixture.ts";
import { TaskLoop } from "./task-loop.ts";

const ID = "7f0c8a52-1d0e-4c3a-9b1e-0a2b3c4d5e6f";
let pki: TestPki;
let platform: FakePlatform;
let paths: StatePaths;
let client: PlatformClient | undefined;

beforeAll(async () => {
  pki = await createTestPki();
});
beforeEach(async () => {
  platform = await startFakePlatform(pki, csrSigner(pki));
  paths = statePaths(await mkdtemp(path.join(tmpdir(), "np-flow-")));
});
afterEach(async () => {
  client?.close();
  client = undefined;
  await platform.close();
});

const identity = (token: string): IdentityRecord => ({
  instance_id: ID,
  bootstrap_token: token,
  platform_url: platform.url,
  ca_bundle_pem: pki.caPem,
  architecture: "amd64",
  source: "files",
  discovered_at: new Date().toISOString(),
});

async function enrolled(): Promise<PlatformClient> {
  platform.tokens.add("tok");
  const { pki: node } = await enroll({ identity: identity("tok"), paths });
  client = new PlatformClient({
    platformUrl: platform.url,
    caBundlePem: node.caBundlePem,
    agentVersion: "t",
    credentials: { keyPem: node.keyPem, certPem: node.certPem },
  });
  return client;
}

async function loop(handlers?: Map<string, TaskHandler>) {
  const journal = new TaskJournal(paths.journal);
  await journal.load();
  const logs: string[] = [];
  const tasks = new TaskLoop({
    client: client!,
    journal,
    paths,
    maxConcurrent: 4,
    log: (m) => logs.push(m),
    handlers: handlers ?? defaultHandlers({ currentBootId: () => "boot-1", onRebootRequested: () => undefined }),
  });
  return { journal, tasks, logs };
}

describe("enrollment", () => {
  it("sends an Ed25519 CSR for the instance id and writes pki/ with private modes", async () => {
    await enrolled();
    const req = platform.requests.find((r) => r.url === "/agent/v1/enroll")!;
    const body = JSON.parse(req.body);
    expect(body.identity).toMatchObject({ instance_id: ID, source: "files", architecture: "amd64" });
    expect(body.csr_pem).toContain("BEGIN CERTIFICATE REQUEST");
    expect(req.clientCn).toBeNull();
    expect((await stat(paths.pki)).mode & 0o777).toBe(0o700);
    expect((await stat(paths.nodeKey)).mode & 0o777).toBe(0o600);
    const stored = await readPki(paths);
    expect(stored?.meta).toMatchObject({ instance_id: ID, mtls_subject: `CN=${ID}`, platform_url: platform.url });
    expect(stored?.keyPem).toContain("BEGIN PRIVATE KEY");
    // mTLS from here on: the listener sees the node's CN.
    await client!.heartbeat({
      schema_version: 1,
      seq: 0,
      boot_id: "b",
      agent_version: "t",
      architecture: "amd64",
      uptime_seconds: 1,
    });
    expect(platform.requests.at(-1)!.clientCn).toBe(ID);
  });

  it("refuses to re-enroll over a valid certificate unless forced", async () => {
    await enrolled();
    platform.tokens.add("tok2");
    await expect(enroll({ identity: identity("tok2"), paths })).rejects.toMatchObject({ exitCode: 1 });
    expect(platform.requests.filter((r) => r.url === "/agent/v1/enroll")).toHaveLength(1);
    await enroll({ identity: identity("tok2"), paths, force: true });
    expect(platform.requests.filter((r) => r.url === "/agent/v1/enroll")).toHaveLength(2);
  });

  it("a rejected token exits 4 after one attempt and writes nothing", async () => {
    const err = await enroll({ identity: identity("wrong"), paths }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExitError);
    expect((err as ExitError).exitCode).toBe(4);
    expect(platform.requests).toHaveLength(1);
    expect(await readPki(paths)).toBeNull();
  });

  it("retries a 503 and then enrolls", async () => {
    platform.faults.set("POST /enroll", [503]);
    platform.tokens.add("tok");
    await enroll({ identity: identity("tok"), paths, retry: { sleep: async () => undefined } });
    expect(platform.requests.filter((r) => r.url === "/agent/v1/enroll")).toHaveLength(2);
  });
});

describe("task loop", () => {
  it("leases, starts, runs and reports; bad payloads fail without running", async () => {
    await enrolled();
    const facts = platform.addTask("collect_facts");
    const bad = platform.addTask("sync_modules", { bogus: true });
    const { tasks, journal } = await loop();
    expect(await tasks.tick()).toBe(2);
    await tasks.idle();
    expect(facts.status).toBe("succeeded");
    expect(facts.reports[0]!.body.result).toMatchObject({ hostname: expect.any(String), modules: [] });
    expect(facts.reports[0]!.body.completion_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(bad.reports).toEqual([
      { kind: "fail", body: expect.objectContaining({ error_code: "invalid_payload", retryable: false }) },
    ]);
    expect(journal.list()).toEqual([]);
    const lease = JSON.parse(platform.requests.find((r) => r.url === "/agent/v1/tasks/lease")!.body);
    expect(lease.commands.sort()).toEqual(["apply_config", "collect_facts", "reboot", "run_script", "sync_modules"]);
  });

  it("keeps an unreported outcome in the journal and resends it with the same completion_id", async () => {
    await enrolled();
    const t = platform.addTask("apply_config");
    platform.faults.set("POST /tasks/:id/complete", [503]);
    const { tasks, journal } = await loop();
    await tasks.tick();
    await tasks.idle();
    expect(journal.get(t.id)).toMatchObject({ phase: "reporting", outcome: { kind: "complete" } });
    const completionId = journal.get(t.id)!.completion_id;
    await tasks.tick();
    expect(t.reports).toHaveLength(1);
    expect(t.reports[0]!.body.completion_id).toBe(completionId);
    expect(journal.list()).toEqual([]);
  });

  it("aborts the handler and never reports when renewal says lease_lost", async () => {
    await enrolled();
    let aborted = false;
    const waiter: TaskHandler = {
      command: "wait_forever",
      payload: z.strictObject({}),
      idempotent: true,
      run: ({ signal }) =>
        new Promise((_resolve, reject) =>
          signal.addEventListener("abort", () => {
            aborted = true;
            reject(new Error("aborted"));
          }),
        ),
    };
    const t = platform.addTask("wait_forever", {}, { lease_ttl_seconds: 3 });
    const { tasks, journal } = await loop(new Map([["wait_forever", waiter]]));
    await tasks.tick();
    await new Promise((r) => setTimeout(r, 200));
    t.lease_id = "00000000-0000-4000-8000-000000000000"; // the server re-leased it elsewhere
    await tasks.idle();
    expect(aborted).toBe(true);
    expect(t.reports).toEqual([]);
    expect(journal.list()).toEqual([]);
  });

  it("recovers after a crash: fails a non-idempotent running task as agent_restarted, drops unknown ones", async () => {
    await enrolled();
    const t = platform.addTask(
      "run_script",
      { script_id: "x" },
      { status: "running", lease_id: "11111111-1111-4111-8111-111111111111", max_attempts: 1, attempt: 1 },
    );
    const { tasks, journal } = await loop();
    const base = { payload: {}, lease_ttl_seconds: 120, attempt: 1, max_attempts: 1, timeout_seconds: 3600 };
    await journal.put({ ...base, task_id: t.id, lease_id: t.lease_id!, command: "run_script", phase: "running" });
    await journal.put({
      ...base,
      task_id: "22222222-2222-4222-8222-222222222222",
      lease_id: "33333333-3333-4333-8333-333333333333",
      command: "collect_facts",
      phase: "running",
    });
    await tasks.recover();
    expect(t.reports).toEqual([
      { kind: "fail", body: expect.objectContaining({ error_code: "agent_restarted", retryable: false }) },
    ]);
    expect(platform.requests.some((r) => r.url === `/agent/v1/tasks/${t.id}/renew`)).toBe(true);
    expect(journal.list()).toEqual([]);
  });
});
