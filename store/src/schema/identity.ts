// Enrollment and identity: bootstrap tokens, node certificates, CAs, unclaimed devices (spec/domain.md §1.5).
import { sql } from "drizzle-orm";
import { bigint, integer, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { createdAt, id, ts } from "./columns.ts";
import { node_instances, nodes } from "./fleet.ts";
import { accounts } from "./tenancy.ts";

export const bootstrap_tokens = pgTable("bootstrap_tokens", {
  id: id(),
  account_id: uuid("account_id")
    .notNull()
    .references(() => accounts.id, { onDelete: "cascade" }),
  node_id: uuid("node_id")
    .notNull()
    .references(() => nodes.id, { onDelete: "cascade" }),
  node_instance_id: uuid("node_instance_id")
    .notNull()
    .references(() => node_instances.id, { onDelete: "cascade" }),
  intended_subject: text("intended_subject").notNull(),
  token_hash: text("token_hash").notNull().unique(),
  purpose: text("purpose", { enum: ["enroll", "claim", "reenroll"] })
    .notNull()
    .default("enroll"),
  expires_at: ts("expires_at").notNull(),
  consumed_at: ts("consumed_at"),
  consumed_from_ip: text("consumed_from_ip"),
  revoked_at: ts("revoked_at"),
  /** Failed enrollments presenting this token; the 5th revokes it (spec/agent.md §4). */
  failed_attempts: integer("failed_attempts").notNull().default(0),
  created_at: createdAt(),
});

export const certificate_authorities = pgTable("certificate_authorities", {
  id: id(),
  account_id: uuid("account_id")
    .notNull()
    .unique()
    .references(() => accounts.id, { onDelete: "cascade" }),
  cert_pem: text("cert_pem").notNull(),
  key_encrypted: text("key_encrypted").notNull(),
  not_after: ts("not_after").notNull(),
  crl_number: bigint("crl_number", { mode: "number" }).notNull().default(0),
  created_at: createdAt(),
});

export const node_certificates = pgTable(
  "node_certificates",
  {
    id: id(),
    account_id: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    serial: text("serial").notNull().unique(),
    subject: text("subject").notNull(),
    issuer_subject: text("issuer_subject").notNull(),
    subject_kind: text("subject_kind", { enum: ["instance", "federation_peer"] })
      .notNull()
      .default("instance"),
    node_instance_id: uuid("node_instance_id").references(() => node_instances.id, { onDelete: "cascade" }),
    not_before: ts("not_before").notNull(),
    not_after: ts("not_after").notNull(),
    pem_chain: text("pem_chain").notNull(),
    public_key_sha256: text("public_key_sha256").notNull(),
    status: text("status", { enum: ["active", "superseded", "revoked", "expired"] })
      .notNull()
      .default("active"),
    revoked_at: ts("revoked_at"),
    revocation_reason: text("revocation_reason"),
    created_at: createdAt(),
  },
  (t) => [uniqueIndex("node_certificates_one_active").on(t.node_instance_id).where(sql`status = 'active'`)],
);

// A box running a generic image that asked to be claimed (spec/agent.md §2 source 8). The claim
// code is what an operator reads off the box's console, so it is a secret: `claim_code` holds its
// SHA-256 and `claim_code_sealed` the plaintext under the master key, so that every poll shows the
// same code. The bootstrap token handed out after the claim is kept sealed likewise until it is
// consumed, so a poll whose reply was lost gets the same token again instead of a second one.
export const unclaimed_devices = pgTable(
  "unclaimed_devices",
  {
    id: id(),
    account_id: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    claim_code: text("claim_code").notNull().unique(),
    claim_code_sealed: text("claim_code_sealed").notNull(),
    discovered_mac: text("discovered_mac").notNull(),
    discovered_dmi_uuid: text("discovered_dmi_uuid").notNull(),
    discovered_hostname: text("discovered_hostname"),
    platform_hint: text("platform_hint"),
    architecture: text("architecture"),
    agent_version: text("agent_version"),
    first_seen_at: ts("first_seen_at").notNull(),
    last_seen_at: ts("last_seen_at").notNull(),
    expires_at: ts("expires_at").notNull(),
    claimed_node_instance_id: uuid("claimed_node_instance_id").references(() => node_instances.id, {
      onDelete: "set null",
    }),
    bootstrap_token_id: uuid("bootstrap_token_id").references(() => bootstrap_tokens.id, { onDelete: "set null" }),
    bootstrap_token_sealed: text("bootstrap_token_sealed"),
    created_at: createdAt(),
  },
  (t) => [uniqueIndex("unclaimed_devices_hardware").on(t.account_id, t.discovered_dmi_uuid, t.discovered_mac)],
);

// Platform-wide key material that is not per account, e.g. the agent listener's TLS server
// certificate and the CA that signs it (agents trust that CA from their identity bundle).
export const platform_certificates = pgTable("platform_certificates", {
  id: id(),
  kind: text("kind", { enum: ["agent_server"] })
    .notNull()
    .unique(),
  ca_cert_pem: text("ca_cert_pem").notNull(),
  ca_key_encrypted: text("ca_key_encrypted").notNull(),
  cert_pem: text("cert_pem").notNull(),
  key_encrypted: text("key_encrypted").notNull(),
  subject_alt_names: text("subject_alt_names").array().notNull(),
  not_after: ts("not_after").notNull(),
  created_at: createdAt(),
});

// Which module digests each instance has reported running, and since when (promotion, drift).
export const module_digest_observations = pgTable(
  "module_digest_observations",
  {
    id: id(),
    account_id: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    node_instance_id: uuid("node_instance_id")
      .notNull()
      .references(() => node_instances.id, { onDelete: "cascade" }),
    node_module_id: uuid("node_module_id").notNull(),
    oci_digest: text("oci_digest").notNull(),
    first_seen_at: ts("first_seen_at").notNull(),
    last_seen_at: ts("last_seen_at").notNull(),
  },
  (t) => [uniqueIndex("module_digest_observations_key").on(t.node_instance_id, t.node_module_id, t.oci_digest)],
);
