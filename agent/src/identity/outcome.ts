// What one discovery source can say (spec/agent.md §2): "not here" (move on quietly), the raw
// fields it found, or an error that is recorded and also moves the resolver on.
import type { IDENTITY_SOURCES } from "@nodepilot/core/agent-protocol";

/** Raw identity fields as a source yields them, before validation. */
export interface IdentityFields {
  instance_id?: string;
  bootstrap_token?: string;
  platform_url?: string;
  ca_pem?: string;
}

export type SourceOutcome =
  | { status: "absent"; detail: string }
  | { status: "found"; fields: IdentityFields }
  | { status: "error"; error: string };

export type SourceName = (typeof IDENTITY_SOURCES)[number];

export interface SourceContext {
  /** Aborts when the resolver's total deadline passes. */
  signal: AbortSignal;
}

export interface IdentitySourceProbe {
  name: SourceName;
  probe(ctx: SourceContext): Promise<SourceOutcome>;
}

export const absent = (detail: string): SourceOutcome => ({ status: "absent", detail });
export const failed = (error: string): SourceOutcome => ({ status: "error", error });

/** Drops empty values so "present but blank" reads the same as missing. */
export function found(fields: IdentityFields): SourceOutcome {
  const clean: IdentityFields = {};
  for (const key of ["instance_id", "bootstrap_token", "platform_url", "ca_pem"] as const) {
    const value = fields[key]?.trim();
    if (value) clean[key] = value;
  }
  return { status: "found", fields: clean };
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
