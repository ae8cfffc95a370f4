// Pool and pool-member lifecycles (spec/domain.md §2.3).
import { POOL_MEMBER_STATES, POOL_STATES } from "@nodepilot/store";
import type { Machine } from "./machine.ts";

export type PoolState = (typeof POOL_STATES)[number];
export type PoolEvent = "pause" | "resume" | "drain" | "archive";

export const poolMachine: Machine<PoolState, PoolEvent> = {
  name: "instance_pool",
  states: POOL_STATES,
  initial: "active",
  final: ["archived"],
  rules: [
    { event: "pause", from: ["active"], to: "paused" },
    { event: "resume", from: ["paused", "draining"], to: "active" },
    { event: "drain", from: ["active", "paused"], to: "draining" },
    { event: "archive", from: ["paused", "draining"], to: "archived" },
  ],
};

export type MemberState = (typeof POOL_MEMBER_STATES)[number];
export type MemberEvent =
  | "mark_ready"
  | "warm_timeout"
  | "claim"
  | "release"
  | "release_reuse"
  | "claim_expired"
  | "recycle"
  | "terminate_failed"
  | "retry_terminate"
  | "mark_removed";

export const poolMemberMachine: Machine<MemberState, MemberEvent> = {
  name: "instance_pool_member",
  states: POOL_MEMBER_STATES,
  initial: "warming",
  final: ["removed"],
  rules: [
    { event: "mark_ready", from: ["warming"], to: "ready" },
    { event: "warm_timeout", from: ["warming"], to: "errored" },
    { event: "claim", from: ["ready"], to: "claimed" },
    { event: "release", from: ["claimed"], to: "draining" },
    { event: "release_reuse", from: ["claimed"], to: "ready" },
    { event: "claim_expired", from: ["claimed"], to: "draining" },
    { event: "recycle", from: ["ready"], to: "draining" },
    { event: "terminate_failed", from: ["draining"], to: "errored" },
    { event: "retry_terminate", from: ["errored"], to: "draining" },
    { event: "mark_removed", from: ["draining", "errored", "warming", "ready", "claimed"], to: "removed" },
  ],
};
