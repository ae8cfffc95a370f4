// Enrollment and rotation (spec/agent.md §4, §7): a bootstrap token and an Ed25519 CSR become a
// 90-day client certificate. Everything is checked before anything is written; the token is
// consumed by one conditional UPDATE so that of N concurrent enrollments exactly one wins. A
// refusal says only `bootstrap_token_rejected`; the specific cause goes to the event log.
import { bootstrap_tokens, type Db, type DbOrTx, node_certificates, node_instances } from "@nodepilot/store";
import { and, desc, eq, gt, isNull, sql } from "drizzle-orm";
import type { Principal } from "../auth/principal.ts";
import { AppError, conflict, invalidInput } from "../errors.ts";
import { type EventOrigin, type EventSource, emitEvent } from "../events/emit.ts";
import type { SecretBox } from "../lib/secret-box.ts";
import { checkCsr } from "../pki/csr.ts";
import { type IssuedCertificate, issueClientCertificate } from "../pki/issue.ts";
import { certificateRejected } from "../pki/verify.ts";
import { hashBootstrapToken } from "./bootstrap-tokens.ts";

export const MAX_TOKEN_FAILURES = 5;
const ROTATION_INTERVAL_MS = 10 * 60_000;

/**
 * How the request arrived. The acting principal (the instance) and the account come from the
 * token or certificate, so a full EventOrigin is accepted but only source and correlation are used.
 */
export type AgentRequestOrigin = { source: EventSource; correlationId: string | null } & Partial<EventOrigin>;

export interface EnrollIdentity {
  instance_id: string;
  source: string;
  architecture: string;
  agent_version: string;
  dmi_uuid?: string | undefined;
  mac?: string | undefined;
  hostname?: string | undefined;
}

export interface EnrollInput {
  secrets: SecretBox;
  bootstrapToken: string;
  csrPem: string;
  identity: EnrollIdentity;
  sourceIp: string | null;
  now: Date;
}

export interface EnrollResult {
  certificate_pem: string;
  ca_chain_pem: string;
  certificate_id: string;
  instance_id: string;
  mtls_subject: string;
  not_after: string;
}

export type EnrollmentRefusal = "unknown_token" | "consumed" | "revoked" | "expired" | "subject_mismatch" | "lost_race";

export const bootstrapTokenRejected = () =>
  new AppError("unauthenticated", "the bootstrap token was rejected", { reason: "bootstrap_token_rejected" });

const instanceTerminated = (instanceId: string) =>
  conflict(`instance ${instanceId} is terminated`, { reason: "instance_terminated", current_state: "terminated" });

function agentPrincipal(accountId: string, instanceId: string): Principal {
  return {
    accountId,
    userId: null,
    tokenId: null,
    role: null,
    scopes: [],
    environmentIds: [],
    actorType: "agent",
    actorId: instanceId,
    kind: "node",
  };
}

const originFor = (o: AgentRequestOrigin, accountId: string, instanceId: string, now: Date): EventOrigin => ({
  principal: agentPrincipal(accountId, instanceId),
  source: o.source,
  correlationId: o.correlationId,
  now,
});

const toResult = (instanceId: string, cert: IssuedCertificate): EnrollResult => ({
  certificate_pem: cert.certificatePem,
  ca_chain_pem: cert.caChainPem,
  certificate_id: cert.certificateId,
  instance_id: instanceId,
  mtls_subject: cert.subject,
  not_after: cert.notAfter.toISOString(),
});

type TokenRow = typeof bootstrap_tokens.$inferSelect;

/** Why a token may not be used now, or null when it may. */
function tokenProblem(token: TokenRow, subject: string, identityId: string, now: Date): EnrollmentRefusal | null {
  if (token.consumed_at) return "consumed";
  if (token.revoked_at) return "revoked";
  if (token.expires_at.getTime() <= now.getTime()) return "expired";
  if (token.intended_subject !== subject || token.intended_subject !== identityId) return "subject_mismatch";
  return null;
}

/** Records a refusal in its own small transaction: the failure count, the revocation at 5, the event. */
async function recordRefusal(
  db: Db,
  origin: AgentRequestOrigin,
  token: TokenRow,
  cause: EnrollmentRefusal,
  input: EnrollInput,
): Promise<void> {
  await db.transaction(async (tx) => {
    const [after] = await tx
      .update(bootstrap_tokens)
      .set({
        failed_attempts: sql`${bootstrap_tokens.failed_attempts} + 1`,
        revoked_at: sql`CASE WHEN ${bootstrap_tokens.revoked_at} IS NULL AND ${bootstrap_tokens.failed_attempts} + 1 >= ${MAX_TOKEN_FAILURES} THEN ${input.now}::timestamptz ELSE ${bootstrap_tokens.revoked_at} END`,
      })
      .where(eq(bootstrap_tokens.id, token.id))
      .returning({ failed_attempts: bootstrap_tokens.failed_attempts, revoked_at: bootstrap_tokens.revoked_at });
    const revokedNow = !!after?.revoked_at && !token.revoked_at && after.failed_attempts >= MAX_TOKEN_FAILURES;
    await emitEvent(tx, originFor(origin, token.account_id, token.node_instance_id, input.now), {
      kind: "instance.enrollment_refused",
      severity: revokedNow ? "high" : "medium",
      payload: {
        cause,
        token_id: token.id,
        failed_attempts: after?.failed_attempts ?? token.failed_attempts + 1,
        token_revoked: revokedNow,
        presented_subject: input.identity.instance_id,
        source_ip: input.sourceIp,
      },
      subject_type: "node_instance",
      subject_id: token.node_instance_id,
      node_id: token.node_id,
      node_instance_id: token.node_instance_id,
    });
  });
}

class LostRace extends Error {}

export async function enrollInstance(db: Db, origin: AgentRequestOrigin, input: EnrollInput): Promise<EnrollResult> {
  const checked = await checkCsr(input.csrPem);
  const [token] = await db
    .select()
    .from(bootstrap_tokens)
    .where(eq(bootstrap_tokens.token_hash, hashBootstrapToken(input.bootstrapToken)))
    .limit(1);
  // An unknown token has no account to log against: nothing is written.
  if (!token) throw bootstrapTokenRejected();
  const problem = tokenProblem(token, checked.commonName, input.identity.instance_id, input.now);
  if (problem) {
    await recordRefusal(db, origin, token, problem, input);
    throw bootstrapTokenRejected();
  }
  const [instance] = await db
    .select({ status: node_instances.status })
    .from(node_instances)
    .where(eq(node_instances.id, token.node_instance_id))
    .limit(1);
  if (!instance || instance.status === "terminated") throw instanceTerminated(token.node_instance_id);

  try {
    return await db.transaction(async (tx) => {
      const [consumed] = await tx
        .update(bootstrap_tokens)
        .set({ consumed_at: input.now, consumed_from_ip: input.sourceIp })
        .where(
          and(
            eq(bootstrap_tokens.id, token.id),
            isNull(bootstrap_tokens.consumed_at),
            isNull(bootstrap_tokens.revoked_at),
            gt(bootstrap_tokens.expires_at, input.now),
          ),
        )
        .returning({ id: bootstrap_tokens.id });
      if (!consumed) throw new LostRace();
      await assertNotTerminated(tx, token.node_instance_id);
      const cert = await issueClientCertificate(tx, input.secrets, {
        accountId: token.account_id,
        instanceId: token.node_instance_id,
        csrPem: checked,
        now: input.now,
      });
      await emitEvent(tx, originFor(origin, token.account_id, token.node_instance_id, input.now), {
        kind: "instance.enrolled",
        payload: {
          certificate_id: cert.certificateId,
          serial: cert.serial,
          not_after: cert.notAfter.toISOString(),
          token_id: token.id,
          purpose: token.purpose,
          identity_source: input.identity.source,
          architecture: input.identity.architecture,
          agent_version: input.identity.agent_version,
          source_ip: input.sourceIp,
        },
        subject_type: "node_instance",
        subject_id: token.node_instance_id,
        node_id: token.node_id,
        node_instance_id: token.node_instance_id,
        certificate_id: cert.certificateId,
      });
      return toResult(token.node_instance_id, cert);
    });
  } catch (err) {
    if (!(err instanceof LostRace)) throw err;
    await recordRefusal(db, origin, token, "lost_race", input);
    throw bootstrapTokenRejected();
  }
}

async function assertNotTerminated(tx: DbOrTx, instanceId: string): Promise<void> {
  const [row] = await tx
    .select({ status: node_instances.status })
    .from(node_instances)
    .where(eq(node_instances.id, instanceId))
    .for("update");
  if (!row || row.status === "terminated") throw instanceTerminated(instanceId);
}

export interface RotateInput {
  secrets: SecretBox;
  instanceId: string;
  accountId: string;
  currentCertificateId: string;
  csrPem: string;
  now: Date;
}

/** Rotation, authenticated by the current certificate (already verified by the caller). */
export async function rotateCertificate(db: Db, origin: AgentRequestOrigin, input: RotateInput): Promise<EnrollResult> {
  const checked = await checkCsr(input.csrPem);
  if (checked.commonName !== input.instanceId) {
    const message = "the CN must equal the current certificate's subject (the instance id)";
    throw invalidInput(`csr_pem: ${message}`, [{ path: "csr_pem", message }]);
  }
  return db.transaction(async (tx) => {
    await assertNotTerminated(tx, input.instanceId);
    const [current] = await tx
      .select()
      .from(node_certificates)
      .where(
        and(
          eq(node_certificates.id, input.currentCertificateId),
          eq(node_certificates.account_id, input.accountId),
          eq(node_certificates.node_instance_id, input.instanceId),
        ),
      )
      .limit(1);
    if (!current) throw certificateRejected("unknown_serial");
    if (current.status === "revoked") throw certificateRejected("revoked");
    if (current.status === "expired" || current.not_after <= input.now) throw certificateRejected("expired");
    const [latest] = await tx
      .select({ not_before: node_certificates.not_before })
      .from(node_certificates)
      .where(eq(node_certificates.node_instance_id, input.instanceId))
      .orderBy(desc(node_certificates.not_before))
      .limit(1);
    const since = latest ? input.now.getTime() - latest.not_before.getTime() : Number.POSITIVE_INFINITY;
    if (since < ROTATION_INTERVAL_MS) {
      throw new AppError("rate_limited", "a certificate was issued for this instance less than 10 minutes ago", {
        reason: "rotation_too_frequent",
        details: { retry_after_seconds: Math.ceil((ROTATION_INTERVAL_MS - since) / 1000) },
      });
    }
    const cert = await issueClientCertificate(tx, input.secrets, {
      accountId: input.accountId,
      instanceId: input.instanceId,
      csrPem: checked,
      now: input.now,
    });
    await emitEvent(tx, originFor(origin, input.accountId, input.instanceId, input.now), {
      kind: "certificate.rotated",
      payload: {
        previous_certificate_id: current.id,
        certificate_id: cert.certificateId,
        serial: cert.serial,
        not_after: cert.notAfter.toISOString(),
      },
      subject_type: "node_instance",
      subject_id: input.instanceId,
      node_instance_id: input.instanceId,
      certificate_id: cert.certificateId,
    });
    return toResult(input.instanceId, cert);
  });
}
