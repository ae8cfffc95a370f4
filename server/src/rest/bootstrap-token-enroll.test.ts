// Enrollment against a real fleet database (spec/agent.md §4): a bootstrap token and an Ed25519
// CSR become a certificate exactly once. Reused, expired, revoked and mismatched tokens all read
// as bootstrap_token_rejected, with the specific cause only in the event log; 5 failures revoke
// the token; of 100 concurrent enrollments with one token exactly one wins.
import { randomUUID, webcrypto } from "node:crypto";
import {
  AppError,
  type EnrollInput,
  type EventOrigin,
  enrollInstance,
  issueBootstrapToken,
  loadX509,
  rotateCertificate,
  systemPrincipal,
  verifyClientCertificate,
} from "@nodepilot/core";
import { bootstrap_tokens, fleet_events, node_certificates, node_instances } from "@nodepilot/store";
import { and, asc, count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestFleet, type TestFleet } from "../testing/harness.ts";

let fleet: TestFleet;
let nodeId: string;

const db = () => fleet.runtime.database.db;
const secrets = () => fleet.runtime.services.secrets;
const agentOrigin = { source: "agent" as const, correlationId: null };
const adminOrigin = (now = new Date()): EventOrigin => ({
  principal: systemPrincipal(fleet.runtime.accountId, []),
  source: "system",
  correlationId: null,
  now,
});

async function csrFor(cn: string): Promise<string> {
  const x509 = await loadX509();
  const keys = (await webcrypto.subtle.generateKey({ name: "Ed25519" }, true, [
    "sign",
    "verify",
  ])) as webcrypto.CryptoKeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: `CN=${cn}`,
    keys,
    signingAlgorithm: { name: "Ed25519" },
  });
  return csr.toString("pem");
}

async function newInstance(status: "pending" | "terminated" = "pending") {
  const [row] = await db()
    .insert(node_instances)
    .values({
      account_id: fleet.runtime.accountId,
      node_id: nodeId,
      name: `i-${randomUUID().slice(0, 8)}`,
      variety: "local",
      status,
    })
    .returning();
  return row!.id;
}

async function token(instanceId: string, now = new Date(), ttlSeconds?: number) {
  return issueBootstrapToken(db(), adminOrigin(now), {
    accountId: fleet.runtime.accountId,
    nodeId,
    instanceId,
    purpose: "enroll",
    now,
    ...(ttlSeconds ? { ttlSeconds } : {}),
  });
}

async function request(instanceId: string, plaintext: string, over: Partial<EnrollInput> = {}): Promise<EnrollInput> {
  return {
    secrets: secrets(),
    bootstrapToken: plaintext,
    csrPem: await csrFor(instanceId),
    identity: { instance_id: instanceId, source: "files", architecture: "amd64", agent_version: "1.0.0" },
    sourceIp: "192.0.2.7",
    now: new Date(),
    ...over,
  };
}

async function outcome(p: Promise<unknown>): Promise<AppError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

async function expectRejected(p: Promise<unknown>) {
  const err = await outcome(p);
  expect(err.code).toBe("unauthenticated");
  expect(err.reason).toBe("bootstrap_token_rejected");
  // No oracle: nothing about the cause is in what the caller sees.
  expect(err.details).toBeUndefined();
  expect(err.message).toBe("the bootstrap token was rejected");
}

const eventsOf = async (instanceId: string, kind: string) =>
  db()
    .select()
    .from(fleet_events)
    .where(and(eq(fleet_events.node_instance_id, instanceId), eq(fleet_events.kind, kind)))
    // Without an order PostgreSQL may return them in any order.
    .orderBy(asc(fleet_events.seq));

const certsOf = async (instanceId: string) =>
  (
    await db().select({ c: count() }).from(node_certificates).where(eq(node_certificates.node_instance_id, instanceId))
  )[0]!.c;

const tokenRow = async (id: string) =>
  (await db().select().from(bootstrap_tokens).where(eq(bootstrap_tokens.id, id)))[0]!;

beforeAll(async () => {
  fleet = await createTestFleet({ poolSize: 12 });
  const templateId = await fleet.createTemplate("enroll-tpl");
  const res = await fleet.api("POST", "/api/v1/nodes", { body: { name: "enroll-node", node_template_id: templateId } });
  expect(res.status).toBe(201);
  nodeId = res.body.data.id;
});
afterAll(async () => {
  await fleet?.close();
});

describe("enrollInstance", () => {
  it("exchanges a token and CSR for a verifiable certificate, consuming the token and emitting instance.enrolled", async () => {
    const instanceId = await newInstance();
    const t = await token(instanceId);
    const res = await enrollInstance(db(), agentOrigin, await request(instanceId, t.plaintext));
    expect(res).toMatchObject({ instance_id: instanceId, mtls_subject: `CN=${instanceId}` });
    expect(Date.parse(res.not_after) - Date.now()).toBeGreaterThan(89 * 86_400_000);
    const verified = await verifyClientCertificate(db(), res.certificate_pem, new Date());
    expect(verified).toMatchObject({
      accountId: fleet.runtime.accountId,
      instanceId,
      certificateId: res.certificate_id,
    });
    const row = await tokenRow(t.id);
    expect(row.consumed_at).toBeInstanceOf(Date);
    expect(row.consumed_from_ip).toBe("192.0.2.7");
    const enrolled = await eventsOf(instanceId, "instance.enrolled");
    expect(enrolled).toHaveLength(1);
    expect(enrolled[0]).toMatchObject({
      certificate_id: res.certificate_id,
      actor_type: "agent",
      actor_id: instanceId,
      source: "agent",
    });
    expect(JSON.stringify(enrolled[0]!.payload)).not.toContain(t.plaintext);
  });

  it("rejects a reused token and logs the cause as consumed", async () => {
    const instanceId = await newInstance();
    const t = await token(instanceId);
    await enrollInstance(db(), agentOrigin, await request(instanceId, t.plaintext));
    await expectRejected(enrollInstance(db(), agentOrigin, await request(instanceId, t.plaintext)));
    expect(await certsOf(instanceId)).toBe(1);
    const refused = await eventsOf(instanceId, "instance.enrollment_refused");
    expect(refused.map((e) => (e.payload as { cause: string }).cause)).toEqual(["consumed"]);
  });

  it("rejects an expired token, writing no certificate", async () => {
    const instanceId = await newInstance();
    const issuedAt = new Date(Date.now() - 2 * 3600_000);
    const t = await token(instanceId, issuedAt, 3600);
    await expectRejected(enrollInstance(db(), agentOrigin, await request(instanceId, t.plaintext)));
    expect(await certsOf(instanceId)).toBe(0);
    expect((await tokenRow(t.id)).consumed_at).toBeNull();
    const refused = await eventsOf(instanceId, "instance.enrollment_refused");
    expect(refused.map((e) => (e.payload as { cause: string }).cause)).toEqual(["expired"]);
  });

  it("rejects a subject mismatch (CSR CN or identity) without consuming the token", async () => {
    const instanceId = await newInstance();
    const someoneElse = await newInstance();
    const t = await token(instanceId);
    await expectRejected(
      enrollInstance(db(), agentOrigin, await request(instanceId, t.plaintext, { csrPem: await csrFor(someoneElse) })),
    );
    const wrongIdentity = await request(instanceId, t.plaintext);
    wrongIdentity.identity = { ...wrongIdentity.identity, instance_id: someoneElse };
    await expectRejected(enrollInstance(db(), agentOrigin, wrongIdentity));
    expect(await tokenRow(t.id)).toMatchObject({ consumed_at: null, failed_attempts: 2, revoked_at: null });
    expect(await certsOf(instanceId)).toBe(0);
    expect(await certsOf(someoneElse)).toBe(0);
    // The token still works for the right subject.
    const ok = await enrollInstance(db(), agentOrigin, await request(instanceId, t.plaintext));
    expect(ok.instance_id).toBe(instanceId);
  });

  it("rejects an unknown token, writing nothing anywhere", async () => {
    const instanceId = await newInstance();
    const [before] = await db()
      .select({ c: count() })
      .from(fleet_events)
      .where(eq(fleet_events.account_id, fleet.runtime.accountId));
    await expectRejected(enrollInstance(db(), agentOrigin, await request(instanceId, "not-a-real-token")));
    const [after] = await db()
      .select({ c: count() })
      .from(fleet_events)
      .where(eq(fleet_events.account_id, fleet.runtime.accountId));
    expect(after!.c).toBe(before!.c);
  });

  it("revokes the token after 5 failures, so even the right subject is then rejected", async () => {
    const instanceId = await newInstance();
    const t = await token(instanceId);
    const wrong = await newInstance();
    for (let i = 0; i < 5; i++) {
      await expectRejected(
        enrollInstance(db(), agentOrigin, await request(instanceId, t.plaintext, { csrPem: await csrFor(wrong) })),
      );
    }
    const row = await tokenRow(t.id);
    expect(row.failed_attempts).toBe(5);
    expect(row.revoked_at).toBeInstanceOf(Date);
    await expectRejected(enrollInstance(db(), agentOrigin, await request(instanceId, t.plaintext)));
    expect(await certsOf(instanceId)).toBe(0);
    const causes = (await eventsOf(instanceId, "instance.enrollment_refused")).map(
      (e) => e.payload as { cause: string; token_revoked: boolean },
    );
    expect(causes.map((c) => c.cause)).toEqual([...Array(5).fill("subject_mismatch"), "revoked"]);
    expect(causes.filter((c) => c.token_revoked)).toHaveLength(1);
  });

  it("answers 400 naming csr_pem for a wrong key type, before touching the token", async () => {
    const instanceId = await newInstance();
    const t = await token(instanceId);
    const x509 = await loadX509();
    const alg = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
    const keys = (await webcrypto.subtle.generateKey(alg, true, ["sign", "verify"])) as webcrypto.CryptoKeyPair;
    const ec = await x509.Pkcs10CertificateRequestGenerator.create({
      name: `CN=${instanceId}`,
      keys,
      signingAlgorithm: alg,
    });
    const err = await outcome(
      enrollInstance(db(), agentOrigin, await request(instanceId, t.plaintext, { csrPem: ec.toString("pem") })),
    );
    expect(err.code).toBe("invalid_input");
    expect(err.errors?.[0]?.path).toBe("csr_pem");
    expect(await tokenRow(t.id)).toMatchObject({ consumed_at: null, failed_attempts: 0 });
  });

  it("answers conflict/instance_terminated for a terminated instance", async () => {
    const instanceId = await newInstance();
    const t = await token(instanceId);
    await db().update(node_instances).set({ status: "terminated" }).where(eq(node_instances.id, instanceId));
    const err = await outcome(enrollInstance(db(), agentOrigin, await request(instanceId, t.plaintext)));
    expect(err.code).toBe("conflict");
    expect(err.reason).toBe("instance_terminated");
    expect(await tokenRow(t.id)).toMatchObject({ consumed_at: null });
    expect(await certsOf(instanceId)).toBe(0);
  });

  it("lets exactly one of 100 concurrent enrollments with one token win", async () => {
    const instanceId = await newInstance();
    const t = await token(instanceId);
    const requests = await Promise.all(Array.from({ length: 100 }, () => request(instanceId, t.plaintext)));
    const results = await Promise.allSettled(requests.map((r) => enrollInstance(db(), agentOrigin, r)));
    const won = results.filter((r) => r.status === "fulfilled");
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(99);
    for (const l of lost) expect((l.reason as AppError).reason).toBe("bootstrap_token_rejected");
    expect(await certsOf(instanceId)).toBe(1);
    expect(await eventsOf(instanceId, "instance.enrolled")).toHaveLength(1);
  });
});

describe("rotateCertificate", () => {
  it("issues a new certificate for the same subject and supersedes the current one", async () => {
    const instanceId = await newInstance();
    const t = await token(instanceId);
    const t0 = new Date(Date.now() - 70 * 86_400_000);
    const first = await enrollInstance(db(), agentOrigin, await request(instanceId, t.plaintext, { now: t0 }));
    const now = new Date();
    const rotated = await rotateCertificate(db(), agentOrigin, {
      secrets: secrets(),
      instanceId,
      accountId: fleet.runtime.accountId,
      currentCertificateId: first.certificate_id,
      csrPem: await csrFor(instanceId),
      now,
    });
    expect(rotated.certificate_id).not.toBe(first.certificate_id);
    expect(rotated.mtls_subject).toBe(`CN=${instanceId}`);
    const statuses = await db()
      .select({ id: node_certificates.id, status: node_certificates.status })
      .from(node_certificates)
      .where(eq(node_certificates.node_instance_id, instanceId));
    expect(Object.fromEntries(statuses.map((s) => [s.id, s.status]))).toEqual({
      [first.certificate_id]: "superseded",
      [rotated.certificate_id]: "active",
    });
    expect(await eventsOf(instanceId, "certificate.rotated")).toHaveLength(1);

    // A second rotation within 10 minutes is rate-limited and writes nothing.
    const err = await outcome(
      rotateCertificate(db(), agentOrigin, {
        secrets: secrets(),
        instanceId,
        accountId: fleet.runtime.accountId,
        currentCertificateId: rotated.certificate_id,
        csrPem: await csrFor(instanceId),
        now: new Date(now.getTime() + 60_000),
      }),
    );
    expect(err.code).toBe("rate_limited");
    expect(await certsOf(instanceId)).toBe(2);
  });

  it("refuses a CSR for another subject as invalid_input naming csr_pem", async () => {
    const instanceId = await newInstance();
    const t = await token(instanceId);
    const first = await enrollInstance(db(), agentOrigin, await request(instanceId, t.plaintext));
    const err = await outcome(
      rotateCertificate(db(), agentOrigin, {
        secrets: secrets(),
        instanceId,
        accountId: fleet.runtime.accountId,
        currentCertificateId: first.certificate_id,
        csrPem: await csrFor(randomUUID()),
        now: new Date(Date.now() + 3600_000),
      }),
    );
    expect(err.code).toBe("invalid_input");
    expect(err.errors?.[0]?.path).toBe("csr_pem");
    expect(await certsOf(instanceId)).toBe(1);
  });
});
