// The level of an AI client's call (spec/mcp.md §5): effect defaults with no row, user rows for the
// operation's category or `*`, g-marked operations always approved by a person, block never lifted.
import { describe, expect, it } from "vitest";
import { allOperations } from "../operations/index.ts";
import { callAction, resolveCallLevel } from "./call-gate.ts";
import type { PolicyRow } from "./policy.ts";

const op = (name: string) => allOperations.find((o) => o.name === name)!;
const now = new Date("2026-12-02T12:00:00Z");
const user = { userId: "0190a0a0-0000-7000-8000-000000000001" };
const row = (over: Partial<PolicyRow>): PolicyRow => ({
  id: "0190a0a0-0000-7000-8000-0000000000aa",
  scope: "global",
  action_category: "*",
  actor_type: "user",
  agent_id: null,
  user_id: null,
  policy: "auto_approve",
  priority: 0,
  conditions: {},
  approval_chain_id: null,
  preferred_channels: [],
  is_active: true,
  ...over,
});

describe("resolveCallLevel", () => {
  it.each([
    ["node.update", "auto_approve", "effect_default"],
    ["instance.reboot", "auto_approve", "effect_default"],
    ["node.delete", "require_approval", "effect_default"],
    ["instance.terminate", "require_approval", "effect_default"],
    ["pool.create", "require_approval", "always_gated"],
  ])("%s with no policy row → %s (%s)", (name, level, reason) => {
    expect(resolveCallLevel(op(name), [], user, now)).toMatchObject({ level, reason, matched_policy_id: null });
  });

  it("a user row for the operation's category decides; agent rows never apply to AI clients' calls", () => {
    const rows = [
      row({
        id: "0190a0a0-0000-7000-8000-0000000000b1",
        action_category: "instance.terminate",
        policy: "auto_approve",
      }),
      row({ id: "0190a0a0-0000-7000-8000-0000000000b2", actor_type: "agent", action_category: "*", policy: "block" }),
    ];
    expect(resolveCallLevel(op("instance.terminate"), rows, user, now)).toMatchObject({
      level: "auto_approve",
      reason: "matched",
      matched_policy_id: "0190a0a0-0000-7000-8000-0000000000b1",
    });
  });

  it("a row for another user does not match; a block row is never lifted, even for a g operation", () => {
    const other = row({ user_id: "0190a0a0-0000-7000-8000-000000000002", policy: "block" });
    expect(resolveCallLevel(op("node.update"), [other], user, now).level).toBe("auto_approve");
    const block = row({ policy: "block" });
    expect(resolveCallLevel(op("pool.create"), [block], user, now)).toMatchObject({
      level: "block",
      reason: "matched",
    });
  });

  it("a g operation needs approval even where a row would auto-approve it", () => {
    expect(resolveCallLevel(op("pool.create"), [row({})], user, now)).toMatchObject({
      level: "require_approval",
      reason: "always_gated",
    });
  });
});

describe("callAction", () => {
  it("is the exact call without its idempotency key, targeting the id it acts on", () => {
    const principal = { accountId: "0190a0a0-0000-7000-8000-0000000000ac" } as Parameters<typeof callAction>[1];
    const action = callAction(op("node.delete"), principal, { id: "n1", idempotency_key: "k" });
    expect(action).toEqual({
      account_id: principal.accountId,
      action_category: "node.delete",
      target: { type: "node", id: "n1" },
      params: { operation: "node.delete", input: { id: "n1" } },
    });
  });
});
