// Fault injection for the fleet simulator: the `--faults` list (name=probability) parsed strictly,
// and a seeded random source so a run with the same seed injects the same faults.
import { AppError } from "@nodepilot/core";

export interface Faults {
  /** Per heartbeat: skip sending it (the platform sees a gap). */
  drop_heartbeats: number;
  /** Per task: the handler fails with a retryable error. */
  fail_tasks: number;
  /** Per task: the handler never returns; the lease expires and the reaper re-queues it. */
  hang_tasks: number;
  /** Per heartbeat: report a booted image the platform never assigned (configuration drift). */
  drift: number;
  /** Per agent, once: enroll, send one heartbeat, then fall silent for the rest of the run. */
  silent: number;
}

export const NO_FAULTS: Faults = { drop_heartbeats: 0, fail_tasks: 0, hang_tasks: 0, drift: 0, silent: 0 };
const NAMES = Object.keys(NO_FAULTS) as (keyof Faults)[];

/** `drop_heartbeats=0.1,fail_tasks=0.05` → Faults; unknown names and values outside [0, 1] are refused. */
export function parseFaults(text: string | undefined): Faults {
  const out = { ...NO_FAULTS };
  if (!text?.trim()) return out;
  for (const part of text.split(",")) {
    const [name, value, extra] = part.split("=").map((s) => s.trim());
    const p = Number(value);
    if (!name || !NAMES.includes(name as keyof Faults) || value === undefined || extra !== undefined) {
      throw new AppError("invalid_input", `--faults: "${part}" is not one of ${NAMES.join(", ")} =<probability>`, {
        errors: [{ path: "faults", message: `unknown fault "${name}"` }],
      });
    }
    if (!Number.isFinite(p) || p < 0 || p > 1) {
      throw new AppError("invalid_input", `--faults: ${name} must be a probability from 0 to 1, got "${value}"`, {
        errors: [{ path: `faults.${name}`, message: "must be 0–1" }],
      });
    }
    out[name as keyof Faults] = p;
  }
  return out;
}

/** mulberry32: small, fast and good enough to pick faults reproducibly. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
