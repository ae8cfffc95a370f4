// The canonical situation text of a learning (spec/autonomy.md §5.3): fixed-order lines, no UUIDs,
// numbers bucketed, so that the same situation seen twice gives the same text, hash and embedding,
// and situations that differ only in noise (a reading of 43 % vs 47 %) collapse onto one text.
import { createHash } from "node:crypto";

/** A feature value; numbers are bucketed by the key's suffix (see `bucketFeature`). */
export type FeatureValue = string | number | boolean;

export interface SituationInput {
  kind: string;
  category: string;
  severity: string;
  target_type: string;
  module?: { name: string; version: number | string } | undefined;
  template?: { name: string; environment: string } | undefined;
  features?: Record<string, FeatureValue> | undefined;
}

export const ATTRIBUTION_CHANGES = ["live", "blessed", "retired", "assignment", "events"] as const;

export interface AttributionSituationInput {
  candidate_kind: string;
  module_name: string;
  change: (typeof ATTRIBUTION_CHANGES)[number];
}

/**
 * Which feature keys each signal kind contributes. A kind not listed keeps every key it is given:
 * the whitelist exists to drop volatile keys, and callers pass only decision-relevant features.
 */
export const SITUATION_FEATURES: Readonly<Record<string, readonly string[]>> = {};

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/** Percent in buckets of 20: 0-20, 20-40, …, 80-100; 100 and above is `100`. */
export function bucketPercent(p: number): string {
  if (!(p > 0)) return "0-20";
  if (p >= 100) return "100";
  const lo = Math.floor(p / 20) * 20;
  return `${lo}-${lo + 20}`;
}

/** Seconds to the next power-of-two number of minutes: `le1m`, `le2m`, `le4m`, … */
export function bucketDuration(seconds: number): string {
  const minutes = Math.max(seconds, 0) / 60;
  if (minutes <= 1) return "le1m";
  return `le${2 ** Math.ceil(Math.log2(minutes))}m`;
}

/** Counts as 0, 1, 2-4, 5+. */
export function bucketCount(n: number): string {
  if (n <= 0) return "0";
  if (n < 2) return "1";
  if (n < 5) return "2-4";
  return "5+";
}

/** `*_pct`/`*_percent` → percent, `*_seconds` → duration, any other number → count. */
export function bucketFeature(key: string, value: FeatureValue): string {
  if (typeof value === "boolean") return String(value);
  if (typeof value === "number") {
    if (/(_pct|_percent)$/.test(key)) return bucketPercent(value);
    if (/_seconds$/.test(key)) return bucketDuration(value);
    return bucketCount(value);
  }
  return clean(value);
}

// Values go into `k=v` tokens: no UUIDs, no whitespace or separators that would change the parse.
const clean = (s: string) =>
  s
    .replace(UUID, "<id>")
    .trim()
    .toLowerCase()
    .replace(/[\s,=]+/g, "_");

export function situationText(input: SituationInput): string {
  const lines = [
    `kind=${clean(input.kind)}`,
    `category=${clean(input.category)}`,
    `severity=${clean(input.severity)}`,
    `target=${clean(input.target_type)}`,
  ];
  if (input.module) lines.push(`module=${clean(input.module.name)} version=${clean(String(input.module.version))}`);
  if (input.template) {
    lines.push(`template=${clean(input.template.name)} environment=${clean(input.template.environment)}`);
  }
  const allowed = SITUATION_FEATURES[input.kind];
  const features = Object.entries(input.features ?? {})
    .filter(([k]) => !allowed || allowed.includes(k))
    .map(([k, v]) => `${clean(k)}=${bucketFeature(k, v)}`)
    .sort();
  lines.push(`features=${features.join(",")}`);
  return lines.join("\n");
}

export function attributionSituationText(input: AttributionSituationInput): string {
  return `kind=attribution candidate=${clean(input.candidate_kind)} module=${clean(input.module_name)} change=${input.change}`;
}

export const situationHash = (text: string): string => createHash("sha256").update(text, "utf8").digest("hex");
