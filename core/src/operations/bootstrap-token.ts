// Bootstrap token operations (spec/mcp.md §6): an operator can mint an enrollment token for an
// instance, but never sees its plaintext; it reaches the machine only through provisioning.
import { node_instances } from "@nodepilot/store";
import { z } from "zod";
import { defineOperation } from "../catalog/operation.ts";
import { BOOTSTRAP_TOKEN_MAX_TTL_SECONDS, issueBootstrapToken } from "../enrollment/bootstrap-tokens.ts";
import { findInAccount } from "../lib/find.ts";
import { IdempotencyKey, IdInput, Timestamp, Uuid } from "../schemas/common.ts";

/** The agent API path a node presents its token to (spec/agent.md §4), on the agent listener. */
export const AGENT_ENROLL_PATH = "/agent/v1/enroll";

export const instanceIssueBootstrapToken = defineOperation({
  name: "instance.issue_bootstrap_token",
  title: "Issue a bootstrap token for an instance",
  description:
    "Mint a fresh single-use enrollment token for an instance (purpose enroll, or reenroll after its certificate was lost or revoked), valid for at most one hour. The plaintext is never returned: it is delivered to the machine by provisioning. Returns the token id, its expiry and the agent enrollment URL path.",
  examples: [
    { phrase: "issue a re-enrollment token for instance 0190…", input: { id: "<instance id>", purpose: "reenroll" } },
    { phrase: "make an enrollment token valid for 10 minutes", input: { id: "<instance id>", ttl_seconds: 600 } },
  ],
  input: z.strictObject({
    ...IdInput,
    purpose: z.enum(["enroll", "reenroll"]).default("enroll"),
    ttl_seconds: z
      .number()
      .int()
      .min(60)
      .max(BOOTSTRAP_TOKEN_MAX_TTL_SECONDS)
      .default(BOOTSTRAP_TOKEN_MAX_TTL_SECONDS)
      .describe("Lifetime in seconds; at most 3600."),
    idempotency_key: IdempotencyKey,
  }),
  output: z.strictObject({
    token_id: Uuid,
    instance_id: Uuid,
    purpose: z.enum(["enroll", "reenroll"]),
    expires_at: Timestamp,
    enroll_url: z.string().describe("Path on the agent listener where the node enrolls."),
  }),
  scope: "fleet:admin",
  effect: "write",
  actionCategory: "instance.issue_bootstrap_token",
  http: { method: "POST", path: "/node_instances/:id/bootstrap_token" },
  async execute(ctx, input) {
    const instance = await findInAccount(ctx.db, node_instances, ctx.principal.accountId, input.id, "instance");
    const issued = await issueBootstrapToken(ctx.db, ctx, {
      accountId: ctx.principal.accountId,
      nodeId: instance.node_id,
      instanceId: instance.id,
      purpose: input.purpose,
      ttlSeconds: input.ttl_seconds,
      now: ctx.now,
    });
    return {
      token_id: issued.id,
      instance_id: instance.id,
      purpose: input.purpose,
      expires_at: issued.expiresAt.toISOString(),
      enroll_url: AGENT_ENROLL_PATH,
    };
  },
});

export const bootstrapTokenOperations = [instanceIssueBootstrapToken] as const;
