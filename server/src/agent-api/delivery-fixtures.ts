// Test fixtures for module delivery: modules published through the REST API with real artifacts —
// bytes stored in the agent listener's blob store, their real sha256 and fs-verity digest, and an
// Ed25519 publisher signature the publish gate verifies — and assignments of them to nodes.
import { createHash, generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import { Readable } from "node:stream";
import { fsverityDigestOf } from "@nodepilot/agent";
import { canonicalJson } from "@nodepilot/core";
import { node_platforms } from "@nodepilot/store";
import { expect } from "vitest";
import type { TestFleet } from "../testing/harness.ts";

export const publisher = generateKeyPairSync("ed25519");
export const publisherPem = publisher.publicKey.export({ type: "spki", format: "pem" }).toString();
export const PUBLISHER_POLICY = { authorities: [{ key: { public_keys: [publisherPem] } }] };
export const ERofs = "application/vnd.nodepilot.module.erofs.v1";

/** Deterministic module bytes, above the 4096-byte publish floor and over several fs-verity blocks. */
export const moduleBytes = (seed: string, size = 3 * 4096 + 100) => {
  const out = Buffer.alloc(size);
  let block = createHash("sha256").update(seed).digest();
  for (let at = 0; at < size; at += block.length) {
    block.copy(out, at);
    block = createHash("sha256").update(block).digest();
  }
  return out;
};

export const digestOf = (b: Buffer) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

/** An amd64-only platform, so one artifact per version passes the publish gate. */
export async function amd64Platform(fleet: TestFleet, name = "delivery-amd64"): Promise<string> {
  const [p] = await fleet.runtime.database.db
    .insert(node_platforms)
    .values({ account_id: fleet.runtime.accountId, name, architectures: ["amd64"] })
    .returning();
  return p!.id;
}

export interface Published {
  moduleId: string;
  name: string;
  versionId: string;
  versionNumber: number;
  digest: string;
  bytes: Buffer;
  fsverity: string;
}

export interface ArtifactOptions {
  bytes?: Buffer;
  /** The fs-verity root registered for the artifact (default: the bytes' real digest). */
  fsverity?: string;
  /** Store these bytes in the blob store instead of the registered ones (default: the same). */
  served?: Buffer | null;
  signer?: KeyObject;
  sourceVersion?: string;
}

async function registerAndPublish(
  fleet: TestFleet,
  moduleId: string,
  versionId: string,
  versionNumber: number,
  o: ArtifactOptions & { bytes: Buffer },
) {
  const fields = {
    architecture: "amd64",
    oci_digest: digestOf(o.bytes),
    fsverity_root_hash: o.fsverity ?? fsverityDigestOf(o.bytes),
    size_bytes: o.bytes.length,
  };
  const statement = canonicalJson({ module_id: moduleId, version_number: versionNumber, ...fields });
  const signature_b64 = sign(null, Buffer.from(statement), o.signer ?? publisher.privateKey).toString("base64");
  const art = await fleet.api("POST", `/api/v1/module_versions/${versionId}/artifacts`, {
    body: {
      ...fields,
      oci_ref: `registry.test/acme/modules/m:${versionNumber}-amd64`,
      media_type: ERofs,
      signature_bundle: { alg: "ed25519", signature_b64, key_index: 0 },
    },
  });
  expect(art.status, JSON.stringify(art.body)).toBe(201);
  const pub = await fleet.api("POST", `/api/v1/module_versions/${versionId}/publish`, { body: {} });
  expect(pub.status, JSON.stringify(pub.body)).toBe(200);
  const served = o.served === undefined ? o.bytes : o.served;
  const listener = fleet.runtime.agentApi;
  if (served && listener) await listener.blobs.put(Readable.from([served]));
  return fields;
}

/** module.create (with a manifest) → artifact → publish: version 1 is staging and current. */
export async function publishModule(
  fleet: TestFleet,
  name: string,
  platformId: string,
  o: ArtifactOptions & { manifest?: Record<string, unknown> } = {},
): Promise<Published> {
  const bytes = o.bytes ?? moduleBytes(name);
  const created = await fleet.api("POST", "/api/v1/node_modules", {
    body: {
      name,
      node_platform_id: platformId,
      trust_policy: PUBLISHER_POLICY,
      manifest: o.manifest ?? { schema_version: 1, name, services: [{ name, start_command: [`/usr/bin/${name}`] }] },
    },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const moduleId: string = created.body.data.id;
  const versions = await fleet.api("GET", `/api/v1/module_versions?node_module_id=${moduleId}`);
  const versionId: string = versions.body.data[0].id;
  const fields = await registerAndPublish(fleet, moduleId, versionId, 1, { ...o, bytes });
  return {
    moduleId,
    name,
    versionId,
    versionNumber: 1,
    digest: fields.oci_digest,
    bytes,
    fsverity: fields.fsverity_root_hash,
  };
}

/** A manifest edit makes the next draft version (domain.md §3.10), which is then published. */
export async function publishNextVersion(
  fleet: TestFleet,
  prev: Published,
  o: ArtifactOptions = {},
): Promise<Published> {
  const bytes = o.bytes ?? moduleBytes(`${prev.name}-v${prev.versionNumber + 1}`);
  const next = prev.versionNumber + 1;
  const upd = await fleet.api("PATCH", `/api/v1/node_modules/${prev.moduleId}`, {
    body: { manifest: { schema_version: 1, name: prev.name, description: `version ${next}` } },
  });
  expect(upd.status, JSON.stringify(upd.body)).toBe(200);
  const versions = await fleet.api("GET", `/api/v1/module_versions?node_module_id=${prev.moduleId}`);
  const draft = versions.body.data.find((v: { version_number: number }) => v.version_number === next);
  expect(draft, JSON.stringify(versions.body)).toBeTruthy();
  const fields = await registerAndPublish(fleet, prev.moduleId, draft.id, next, { ...o, bytes });
  return {
    ...prev,
    versionId: draft.id,
    versionNumber: next,
    digest: fields.oci_digest,
    bytes,
    fsverity: fields.fsverity_root_hash,
  };
}

/** POST /node_module_assignments; returns the assignment id. */
export async function assignModule(fleet: TestFleet, nodeId: string, moduleId: string): Promise<string> {
  const res = await fleet.api("POST", "/api/v1/node_module_assignments", {
    body: { node_id: nodeId, node_module_id: moduleId },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.data.assignment.id;
}
