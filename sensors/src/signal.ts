// Signals (spec/autonomy.md §2.1): what a sensor emits about one condition, validated before the
// engine sees it. Invalid signals are dropped and counted, never passed on; duplicates within a
// tick keep the highest severity.
import { canonicalJson, type Severity } from "@nodepilot/core";
import { z } from "zod";

export const SEVERITIES = ["low", "medium", "high", "critical"] as const satisfies readonly Severity[];

/** Severity weights (§2.1), used for ordering and for error pressure. */
export const SEVERITY_WEIGHT: Readonly<Record<Severity, number>> = { low: 1, medium: 4, high: 16, critical: 64 };

export const MAX_PAYLOAD_BYTES = 16 * 1024;

const Ref = z.uuid().optional();

export const SignalRefs = z.strictObject({
  node_id: Ref,
  node_instance_id: Ref,
  node_module_id: Ref,
  node_module_version_id: Ref,
  certificate_id: Ref,
  cve_id: z.string().min(1).max(64).optional(),
});

export const SignalSchema = z.strictObject({
  // The fleet event kind pattern (spec/domain.md §1.8) narrowed to `fleet.`: no digits.
  kind: z.string().regex(/^fleet\.[a-z_]+$/, "a fleet.-prefixed snake_case kind (letters and _)"),
  severity: z.enum(SEVERITIES),
  sensor: z.string().min(1),
  // 1–255 printable ASCII without whitespace, stable across ticks, account-scoped (no account id).
  fingerprint: z.string().regex(/^[\x21-\x7e]{1,255}$/, "1–255 printable ASCII characters, no whitespace"),
  payload: z.record(z.string(), z.json()),
  refs: SignalRefs,
});

export type Signal = z.infer<typeof SignalSchema>;
export type SignalRefs = z.infer<typeof SignalRefs>;

export interface RejectedSignal {
  fingerprint: string | undefined;
  reason: string;
}

export interface ValidatedSignals {
  accepted: Signal[];
  rejected: RejectedSignal[];
}

/**
 * Validates a sensor's raw output: shape, declared kind, emitting sensor, payload size (canonical
 * JSON ≤ 16 KiB, `_sensor` added); one signal per fingerprint, the most severe winning.
 */
export function validateSignals(
  sensor: string,
  declaredKinds: readonly string[],
  raw: readonly unknown[],
): ValidatedSignals {
  const kinds = new Set(declaredKinds);
  const byFingerprint = new Map<string, Signal>();
  const rejected: RejectedSignal[] = [];
  for (const item of raw) {
    const parsed = SignalSchema.safeParse(item);
    const fingerprint =
      typeof item === "object" && item !== null && typeof (item as { fingerprint?: unknown }).fingerprint === "string"
        ? (item as { fingerprint: string }).fingerprint
        : undefined;
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      rejected.push({ fingerprint, reason: `${issue?.path.join(".") || "signal"}: ${issue?.message ?? "invalid"}` });
      continue;
    }
    const signal = parsed.data;
    if (signal.sensor !== sensor) {
      rejected.push({ fingerprint, reason: `sensor: emitted by ${sensor}, claims ${signal.sensor}` });
      continue;
    }
    if (!kinds.has(signal.kind)) {
      rejected.push({ fingerprint, reason: `kind: ${signal.kind} is not declared by ${sensor}` });
      continue;
    }
    const payload = { ...signal.payload, _sensor: sensor };
    if (Buffer.byteLength(canonicalJson(payload)) > MAX_PAYLOAD_BYTES) {
      rejected.push({ fingerprint, reason: `payload: over ${MAX_PAYLOAD_BYTES} bytes of canonical JSON` });
      continue;
    }
    const withSensor = { ...signal, payload };
    const prior = byFingerprint.get(signal.fingerprint);
    if (!prior || SEVERITY_WEIGHT[signal.severity] > SEVERITY_WEIGHT[prior.severity]) {
      byFingerprint.set(signal.fingerprint, withSensor);
    }
  }
  return { accepted: [...byFingerprint.values()], rejected };
}
