// The agent's enrollment, rotation and certificate handling (spec/agent.md §3, §4, §7), its own code
// in process against the real agent listener: the token comes from provisioning, certificates from
// the fleet's CA, and every refusal is the server's own (consumed token, revoked certificate, the
// listener not being there).
import { createPrivateKey, X509Certificate } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import {
  AGENT_VERSION,
  EXIT,
  ExitError,
  enroll,
  PlatformClient,
  PlatformProblemError,
  readPki,
  runCli,
} from "@nodepilot/agent";
import { issueBootstrapToken, revokeCertificate, systemPrincipal } from "@nodepilot/core";
import { bootstrap_tokens, fleet_events, node_certificates } from "@nodepilot/store";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type AgentFleet,
  countingRelay,
  createAgentFleet,
  enrolledMachine,
  getInstance,
  provisionMachine,
  switchableListener,
  WAIT_MS,
  waitFor,
} from "./agent-fixture.ts";

let f: AgentFleet;
const db = () => f.fleet.runtime.database.db;
const origin = () => ({
  principal: systemPrincipal(f.fleet.runtime.accountId, ["fleet:admin"]),
  source: "system" as const,
  correlationId: null,
  now: new Date(),
});
const certificates = (instanceId: string) =>
  db().select().from(node_certificates).where(eq(node_certificates.node_instance_id, instanceId));
const events = (instanceId: string, kind: string) =>
  db()
    .select()
    .from(fleet_events)
    .where(and(eq(fleet_events.node_instance_id, instanceId), eq(fleet_events.kind, kind)));
const beat = (seq = 0) => ({
  schema_version: 1 as const,
  seq,
  boot_id: "3f0b7c9e-0000-4000-8000-00000000000b",
  agent_version: AGENT_VERSION,
  architecture: "amd64" as const,
  uptime_seconds: 1,
});
const cliIo = () => {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t), env: {} } };
};

beforeAll(async () => {
  f = await createAgentFleet();
}, 3 * WAIT_MS);
afterAll(async () => {
  await f?.fleet.close();
});

describe("enrollment", () => {
  it(
    "trades the provisioned token for a certificate: Ed25519 key, CN = instance id, private pki/, mTLS after",
    async () => {
      const m = await provisionMachine(f, "enroll-1");
      const { pki, config } = await enroll({ identity: m.identity, paths: m.paths });

      expect((await stat(m.paths.pki)).mode & 0o777).toBe(0o700);
      expect((await stat(m.paths.nodeKey)).mode & 0o777).toBe(0o600);
      const key = createPrivateKey(await readFile(m.paths.nodeKey, "utf8"));
      expect(key.asymmetricKeyType).toBe("ed25519");
      const cert = new X509Certificate(await readFile(m.paths.nodeCrt, "utf8"));
      expect(cert.subject).toBe(`CN=${m.instanceId}`);
      expect(cert.checkPrivateKey(key)).toBe(true);
      expect(await readPki(m.paths)).toMatchObject({
        meta: {
          instance_id: m.instanceId,
          mtls_subject: `CN=${m.instanceId}`,
          certificate_id: pki.meta.certificate_id,
          platform_url: m.identity.platform_url,
        },
      });
      expect(JSON.parse(await readFile(m.paths.config, "utf8"))).toEqual(config);

      // The server's side: the token is spent, the certificate on record is the one on disk.
      const [token] = await db()
        .select()
        .from(bootstrap_tokens)
        .where(eq(bootstrap_tokens.node_instance_id, m.instanceId));
      expect(token!.consumed_at).not.toBeNull();
      const [row] = await certificates(m.instanceId);
      expect(row).toMatchObject({ id: pki.meta.certificate_id, status: "active" });
      const [enrolled] = await events(m.instanceId, "instance.enrolled");
      expect(enrolled!.payload).toMatchObject({ identity_source: "files", agent_version: AGENT_VERSION });

      // From here on the certificate is the identity: a heartbeat over mTLS moves this instance.
      expect((await getInstance(f.fleet, m.instanceId)).status).toBe("provisioning");
      const client = new PlatformClient({
        platformUrl: pki.meta.platform_url,
        caBundlePem: pki.caBundlePem,
        agentVersion: AGENT_VERSION,
        credentials: { keyPem: pki.keyPem, certPem: pki.certPem },
      });
      try {
        await client.heartbeat(beat());
      } finally {
        client.close();
      }
      const after = await getInstance(f.fleet, m.instanceId);
      expect(after.status).toBe("running");
      expect(after.last_heartbeat_at).not.toBeNull();
    },
    WAIT_MS,
  );

  it(
    "refuses to re-enroll over a valid certificate unless forced, and forced it needs a fresh token",
    async () => {
      const m = await enrolledMachine(f, "enroll-2");
      const before = await readFile(m.paths.nodeCrt, "utf8");

      // Not forced: refused locally (exit 1), nothing reaches the server.
      const local = await enroll({ identity: m.identity, paths: m.paths }).catch((e: unknown) => e);
      expect(local).toBeInstanceOf(ExitError);
      expect((local as ExitError).exitCode).toBe(EXIT.error);
      expect(await events(m.instanceId, "instance.enrollment_refused")).toHaveLength(0);

      // Forced with the spent token: the server refuses it (exit 4) and the old PKI stays.
      const spent = await enroll({ identity: m.identity, paths: m.paths, force: true }).catch((e: unknown) => e);
      expect((spent as ExitError).exitCode).toBe(EXIT.enrollmentRefused);
      const refused = await events(m.instanceId, "instance.enrollment_refused");
      expect(refused.map((e) => e.payload.cause)).toEqual(["consumed"]);
      expect(await readFile(m.paths.nodeCrt, "utf8")).toBe(before);

      // A re-enrollment token (what instance.issue_bootstrap_token mints and provisioning delivers).
      const fresh = await issueBootstrapToken(db(), origin(), {
        accountId: f.fleet.runtime.accountId,
        nodeId: f.nodeId,
        instanceId: m.instanceId,
        purpose: "reenroll",
        now: new Date(),
      });
      const again = await enroll({
        identity: { ...m.identity, bootstrap_token: fresh.plaintext },
        paths: m.paths,
        force: true,
      });
      expect(again.pki.meta.certificate_id).not.toBe(m.pki.meta.certificate_id);
      expect(await readFile(m.paths.nodeCrt, "utf8")).not.toBe(before);
      const byId = new Map((await certificates(m.instanceId)).map((c) => [c.id, c.status]));
      expect(byId.get(again.pki.meta.certificate_id)).toBe("active");
      expect(byId.get(m.pki.meta.certificate_id)).toBe("superseded");
    },
    WAIT_MS,
  );

  it(
    "a rejected token exits 4 after exactly one attempt and writes nothing",
    async () => {
      const m = await provisionMachine(f, "enroll-3");
      const relay = await countingRelay(f.listener);
      try {
        const err = await enroll({
          identity: { ...m.identity, bootstrap_token: "not-the-token-provisioning-delivered", platform_url: relay.url },
          paths: m.paths,
          retry: { sleep: async () => undefined },
        }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(ExitError);
        expect((err as ExitError).exitCode).toBe(EXIT.enrollmentRefused);
        expect(relay.connections).toBe(1);
      } finally {
        await relay.close();
      }
      expect(await readPki(m.paths)).toBeNull();
      expect(await certificates(m.instanceId)).toHaveLength(0);
      // The real token is untouched: the machine can still enroll with it.
      const [token] = await db()
        .select()
        .from(bootstrap_tokens)
        .where(eq(bootstrap_tokens.node_instance_id, m.instanceId));
      expect(token).toMatchObject({ consumed_at: null, failed_attempts: 0 });
    },
    WAIT_MS,
  );

  it(
    "keeps retrying while the listener is away, with backoff, and enrolls once it is back",
    async () => {
      const m = await provisionMachine(f, "enroll-4");
      const away = await switchableListener(f.fleet);
      const delays: number[] = [];
      try {
        const { pki } = await enroll({
          identity: { ...m.identity, platform_url: away.url },
          paths: m.paths,
          retry: {
            rng: () => 0.5,
            // Every retry's delay is recorded; the listener comes back after the second failure.
            sleep: async (ms) => {
              delays.push(ms);
              if (delays.length === 2) await away.up();
            },
          },
        });
        expect(delays).toEqual([500, 1000]);
        const [row] = await certificates(m.instanceId);
        expect(row).toMatchObject({ id: pki.meta.certificate_id, status: "active" });
      } finally {
        await away.down();
      }
    },
    WAIT_MS,
  );
});

describe("certificate rotation", () => {
  it(
    "`rotate` swaps in a new key and certificate with the same subject, at most once per 10 minutes",
    async () => {
      const m = await enrolledMachine(f, "rotate-1");
      const oldKey = await readFile(m.paths.nodeKey, "utf8");
      // Enrollment issued a certificate just now, which counts against the 10-minute limit.
      const early = cliIo();
      expect(await runCli(["rotate", "--state-dir", m.paths.root], early.io)).toBe(EXIT.error);
      expect(early.err.join("")).toMatch(/^429 rate_limited\/rotation_too_frequent/);
      expect((await readPki(m.paths))!.keyPem).toBe(oldKey);
      // The server dates issuance by the row's not_before: make the enrollment 11 minutes old.
      await db()
        .update(node_certificates)
        .set({ not_before: new Date(Date.now() - 11 * 60_000) })
        .where(eq(node_certificates.id, m.pki.meta.certificate_id));

      const first = cliIo();
      expect(await runCli(["rotate", "--json", "--state-dir", m.paths.root], first.io), first.err.join("")).toBe(
        EXIT.ok,
      );
      const rotated = (await readPki(m.paths))!;
      expect(rotated.keyPem).not.toBe(oldKey);
      expect(rotated.meta.certificate_id).not.toBe(m.pki.meta.certificate_id);
      expect(new X509Certificate(rotated.certPem).subject).toBe(`CN=${m.instanceId}`);
      expect(JSON.parse(first.out.join("")).rotated.certificate_id).toBe(rotated.meta.certificate_id);
      const byId = new Map((await certificates(m.instanceId)).map((c) => [c.id, c.status]));
      expect(byId.get(rotated.meta.certificate_id)).toBe("active");
      expect(byId.get(m.pki.meta.certificate_id)).toBe("superseded");

      // The new certificate authenticates this instance.
      const client = new PlatformClient({
        platformUrl: rotated.meta.platform_url,
        caBundlePem: rotated.caBundlePem,
        agentVersion: AGENT_VERSION,
        credentials: { keyPem: rotated.keyPem, certPem: rotated.certPem },
      });
      try {
        await client.heartbeat(beat());
      } finally {
        client.close();
      }
      expect((await getInstance(f.fleet, m.instanceId)).status).toBe("running");

      // At most one rotation per 10 minutes (429); the rotated PKI stays as it is.
      const second = cliIo();
      expect(await runCli(["rotate", "--state-dir", m.paths.root], second.io)).toBe(EXIT.error);
      expect(second.err.join("")).toMatch(/^429 rate_limited\/rotation_too_frequent/);
      expect((await readPki(m.paths))!.meta.certificate_id).toBe(rotated.meta.certificate_id);
    },
    WAIT_MS,
  );
});

describe("a revoked certificate", () => {
  it(
    "gets a genuine 401: the client self-heals once on a fresh connection, then reports it",
    async () => {
      const m = await enrolledMachine(f, "revoke-1");
      const relay = await countingRelay(f.listener);
      const viaRelay = () => m.client(relay.url);
      try {
        // Accepted: one call, one connection.
        const ok = viaRelay();
        await ok.heartbeat(beat(0));
        ok.close();
        expect(relay.connections).toBe(1);

        await revokeCertificate(db(), origin(), {
          certificateId: m.pki.meta.certificate_id,
          reason: "key compromise drill",
          now: new Date(),
        });
        // The listener remembers a verified certificate for a few seconds; wait until it refuses.
        const direct = m.client();
        await waitFor(
          "the listener to refuse the revoked certificate",
          () =>
            direct.heartbeat(beat(1)).then(
              () => "accepted",
              (e: unknown) => (e as PlatformProblemError).status,
            ),
          (s) => s === 401,
        );
        direct.close();
        const seen = (await getInstance(f.fleet, m.instanceId)).last_heartbeat_at;

        const before = relay.connections;
        const refused = viaRelay();
        const err = await refused.heartbeat(beat(2)).catch((e: unknown) => e);
        refused.close();
        expect(err).toBeInstanceOf(PlatformProblemError);
        expect((err as PlatformProblemError).status).toBe(401);
        // The first 401 is dropped undrained (§3); the genuine second one is read, so it says why.
        expect((err as PlatformProblemError).code).toBe("unauthenticated");
        expect((err as PlatformProblemError).reason).toBe("certificate_rejected");
        // The first 401 dropped its connection and the one retry dialled a new one.
        expect(relay.connections - before).toBe(2);
        expect((await getInstance(f.fleet, m.instanceId)).last_heartbeat_at).toBe(seen);
      } finally {
        await relay.close();
      }
    },
    WAIT_MS,
  );
});
