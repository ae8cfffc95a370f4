// Policy levels and the pure policy resolver of spec/autonomy.md §3.1–3.2: which intervention
// policy row applies to an action category and an actor at a given instant, and why. No database:
// callers load the account's rows and pass them in.
import type { PolicyConditions } from "@nodepilot/store";

export const POLICY_LEVELS = ["auto_approve", "notify_and_proceed", "require_approval", "block", "silent"] as const;
export type PolicyLevel = (typeof POLICY_LEVELS)[number];
/** What a resolution yields: `silent` and unknown stored levels become `block`. */
export type EffectiveLevel = Exclude<PolicyLevel, "silent">;

export const TRUST_TIER_ORDER = ["supervised", "monitored", "trusted", "autonomous"] as const;
export type TrustTier = (typeof TRUST_TIER_ORDER)[number];

const STRICTNESS: Record<EffectiveLevel, number> = {
  auto_approve: 0,
  notify_and_proceed: 1,
  require_approval: 2,
  block: 3,
};
const BY_STRICTNESS: EffectiveLevel[] = ["auto_approve", "notify_and_proceed", "require_approval", "block"];

export const isPolicyLevel = (v: string): v is PolicyLevel => (POLICY_LEVELS as readonly string[]).includes(v);

/** The level a stored value means: silent is exactly block, and a value this build does not know is block. */
export function effectiveLevel(stored: string): EffectiveLevel {
  if (stored === "silent" || !isPolicyLevel(stored)) return "block";
  return stored as EffectiveLevel;
}

/** AA < NP < RA < block. */
export const strictness = (level: string): number => STRICTNESS[effectiveLevel(level)];

/** One step stricter (learnings may raise by one, §3.5 step 11g); block stays block. */
export function raise(level: EffectiveLevel): EffectiveLevel {
  return BY_STRICTNESS[Math.min(STRICTNESS[level] + 1, BY_STRICTNESS.length - 1)]!;
}

export interface PolicyRow {
  id: string;
  scope: "global" | "agent";
  action_category: string;
  actor_type: "agent" | "user";
  agent_id: string | null;
  user_id: string | null;
  policy: string;
  priority: number;
  conditions: PolicyConditions;
  approval_chain_id: string | null;
  preferred_channels: string[];
  is_active: boolean;
}

export interface PolicyActor {
  type: "agent" | "user";
  agent_id?: string | null;
  user_id?: string | null;
  /** Unscored actors count as supervised. */
  trust_tier?: TrustTier | null;
}

export interface Resolution {
  level: EffectiveLevel;
  /** The stored value of the winning row, or null with no match. */
  base_policy: string | null;
  matched_policy_id: string | null;
  reason: "matched" | "no_matching_policy" | "unknown_policy";
  approval_chain_id: string | null;
  preferred_channels: string[];
}

const tierRank = (tier: string | null | undefined): number => {
  const i = TRUST_TIER_ORDER.indexOf((tier ?? "supervised") as TrustTier);
  // A stored minimum this build does not know cannot be proven met: the row does not match.
  return i < 0 ? Number.POSITIVE_INFINITY : i;
};

/** The hour (0–23) at `now` in an IANA time zone. */
export function localHour(now: Date, timeZone: string): number {
  const hour = new Intl.DateTimeFormat("en-GB", { timeZone, hour: "2-digit", hourCycle: "h23" }).format(now);
  return Number(hour);
}

/** Whether `hour` lies in `[start, end)`; `start > end` wraps midnight. */
export function inQuietHours(hour: number, start: number, end: number): boolean {
  return start < end ? hour >= start && hour < end : hour >= start || hour < end;
}

function matches(row: PolicyRow, actor: PolicyActor, now: Date): boolean {
  if (row.actor_type !== actor.type) return false;
  if (row.agent_id !== null && row.agent_id !== (actor.agent_id ?? null)) return false;
  if (row.user_id !== null && row.user_id !== (actor.user_id ?? null)) return false;
  // An agent sees only its own rows and global ones, never another agent's or an agent-scoped row
  // that names nobody.
  if (actor.type === "agent" && row.scope !== "global" && row.agent_id !== (actor.agent_id ?? null)) return false;
  const minimum = row.conditions.trust_tier_minimum;
  if (minimum !== undefined && tierRank(actor.trust_tier) < tierRank(minimum)) return false;
  const quiet = row.conditions.quiet_hours;
  if (quiet) {
    let hour: number;
    try {
      hour = localHour(now, quiet.timezone || "UTC");
    } catch {
      return false;
    }
    if (inQuietHours(hour, quiet.start, quiet.end)) return false;
  }
  return true;
}

/** Specificity key (§3.2 step 3), compared lexicographically, larger first. */
const specificity = (r: PolicyRow): number[] => [
  r.user_id ? 1 : 0,
  r.agent_id ? 1 : 0,
  r.action_category !== "*" ? 1 : 0,
  r.priority,
];

function compare(a: PolicyRow, b: PolicyRow): number {
  const ka = specificity(a);
  const kb = specificity(b);
  for (let i = 0; i < ka.length; i++) {
    if (ka[i] !== kb[i]) return kb[i]! - ka[i]!;
  }
  const s = strictness(b.policy) - strictness(a.policy);
  if (s !== 0) return s;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** The policy for `(category, actor)` at `now` among an account's rows (§3.2). */
export function resolvePolicy(
  rows: readonly PolicyRow[],
  input: { category: string; actor: PolicyActor; now: Date },
): Resolution {
  const candidates = rows.filter(
    (r) =>
      r.is_active &&
      (r.action_category === input.category || r.action_category === "*") &&
      matches(r, input.actor, input.now),
  );
  const winner = [...candidates].sort(compare)[0];
  if (!winner) {
    return {
      level: "require_approval",
      base_policy: null,
      matched_policy_id: null,
      reason: "no_matching_policy",
      approval_chain_id: null,
      preferred_channels: [],
    };
  }
  return {
    level: effectiveLevel(winner.policy),
    base_policy: winner.policy,
    matched_policy_id: winner.id,
    reason: winner.policy === "silent" || isPolicyLevel(winner.policy) ? "matched" : "unknown_policy",
    approval_chain_id: winner.approval_chain_id,
    preferred_channels: winner.preferred_channels,
  };
}
