// Test helpers for the PKI: a throwaway account with one node on a real database, and real
// CSRs made with @peculiar/x509 exactly as an agent would (Ed25519), plus deliberately bad ones.
import { createHash, randomUUID, webcrypto } from "node:crypto";
import {
  accounts,
  type Database,
  node_instances,
  node_platforms,
  node_templates,
  nodes,
  openDatabase,
} from "@nodepilot/store";
import type { Extension } from "@peculiar/x509";
import { eq } from "drizzle-orm";
import { systemPrincipal } from "../auth/principal.ts";
import type { EventOrigin } from "../events/emit.ts";
import { SecretBox } from "../lib/secret-box.ts";
import { loadX509 } from "./x509.ts";

export interface PkiFixture {
  database: Database;
  secrets: SecretBox;
  accountId: string;
  nodeId: string;
  origin(now?: Date): EventOrigin;
  newInstance(): Promise<string>;
  newAccount(): Promise<{ accountId: string; instanceId: string }>;
  close(): Promise<void>;
}

async function seedAccount(database: Database) {
  const db = database.db;
  const name = `pki-${randomUUID()}`;
  const [a] = await db.insert(accounts).values({ name, slug: name }).returning();
  const [p] = await db
    .insert(node_platforms)
    .values({ account_id: a!.id, name: "generic", architectures: ["amd64"] })
    .returning();
  const [t] = await db
    .insert(node_templates)
    .values({ account_id: a!.id, name: "base", node_platform_id: p!.id })
    .returning();
  const [n] = await db
    .insert(nodes)
    .values({
      account_id: a!.id,
      name: "n1",
      node_template_id: t!.id,
      ssh_key_encrypted: "x",
      ssh_key_fingerprint: "x",
      ssh_public_key: "x",
      ssh_host_key_encrypted: "x",
      ssh_host_key_fingerprint: "x",
    })
    .returning();
  return { accountId: a!.id, nodeId: n!.id };
}

async function insertInstance(database: Database, accountId: string, nodeId: string) {
  const [i] = await database.db
    .insert(node_instances)
    .values({ account_id: accountId, node_id: nodeId, name: `i-${randomUUID().slice(0, 8)}`, variety: "local" })
    .returning();
  return i!.id;
}

export async function createPkiFixture(): Promise<PkiFixture> {
  const database = await openDatabase({
    databaseUrl: process.env.NODEPILOT_TEST_DATABASE_URL || undefined,
    poolSize: 3,
  });
  const created: string[] = [];
  const { accountId, nodeId } = await seedAccount(database);
  created.push(accountId);
  return {
    database,
    // The same key as server/src/testing/harness.ts: platform-wide rows on a shared PostgreSQL test
    // database must open for every suite.
    secrets: new SecretBox(createHash("sha256").update("nodepilot test master key").digest()),
    accountId,
    nodeId,
    origin: (now = new Date()) => ({
      principal: systemPrincipal(accountId, []),
      source: "system",
      correlationId: null,
      now,
    }),
    newInstance: () => insertInstance(database, accountId, nodeId),
    async newAccount() {
      const other = await seedAccount(database);
      created.push(other.accountId);
      return { accountId: other.accountId, instanceId: await insertInstance(database, other.accountId, other.nodeId) };
    },
    async close() {
      for (const id of created) await database.db.delete(accounts).where(eq(accounts.id, id));
      await database.close();
    },
  };
}

type KeyKind = "ed25519" | "rsa" | "p256";

async function keyPair(kind: KeyKind): Promise<{ keys: webcrypto.CryptoKeyPair; alg: webcrypto.Algorithm }> {
  const subtle = webcrypto.subtle;
  if (kind === "ed25519") {
    return {
      keys: (await subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"])) as webcrypto.CryptoKeyPair,
      alg: { name: "Ed25519" },
    };
  }
  if (kind === "p256") {
    const alg = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
    return { keys: (await subtle.generateKey(alg, true, ["sign", "verify"])) as webcrypto.CryptoKeyPair, alg };
  }
  const alg = {
    name: "RSASSA-PKCS1-v1_5",
    modulusLength: 2048,
    publicExponent: new Uint8Array([1, 0, 1]),
    hash: "SHA-256",
  };
  return { keys: (await subtle.generateKey(alg, true, ["sign", "verify"])) as webcrypto.CryptoKeyPair, alg };
}

export async function makeCsr(
  cn: string,
  opts: { key?: KeyKind; name?: string; extensions?: (x: Awaited<ReturnType<typeof loadX509>>) => Extension[] } = {},
): Promise<string> {
  const x509 = await loadX509();
  const { keys, alg } = await keyPair(opts.key ?? "ed25519");
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: opts.name ?? `CN=${cn}`,
    keys,
    signingAlgorithm: alg,
    ...(opts.extensions ? { extensions: opts.extensions(x509) } : {}),
  });
  return csr.toString("pem");
}

/** A CSR whose signature no longer matches its content: one signature byte flipped. */
export async function tamperedCsr(cn: string): Promise<string> {
  const x509 = await loadX509();
  const der = new Uint8Array(x509.PemConverter.decodeFirst(await makeCsr(cn)));
  der[der.length - 1] = (der[der.length - 1] as number) ^ 0xff;
  return x509.PemConverter.encode(der.buffer, "CERTIFICATE REQUEST");
}

/** A certificate for `cn` from a CA we do not know, with a chosen serial (a look-alike). */
export async function foreignCertificate(cn: string, serial: string, now: Date): Promise<string> {
  const x509 = await loadX509();
  const { keys } = await keyPair("p256");
  const { keys: leaf } = await keyPair("ed25519");
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial,
    subject: `CN=${cn}`,
    issuer: "CN=Someone else CA",
    notBefore: now,
    notAfter: new Date(now.getTime() + 86_400_000),
    publicKey: leaf.publicKey,
    signingKey: keys.privateKey,
    signingAlgorithm: { name: "ECDSA", hash: "SHA-256" } as webcrypto.EcdsaParams,
  });
  return cert.toString("pem");
}
