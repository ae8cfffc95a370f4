// Grading one case: the model's tool calls against the expected ones, with the fixture's ids.
// Expected calls must appear in order with exactly their arguments; a model may add arguments the
// case allows or that change nothing (a default spelled out); lookups (extra reads) are fine, an
// unexpected write is not.
import { isDeepStrictEqual } from "node:util";
import type { AnyOperation } from "@nodepilot/core";
import type { ConciergeCase, ExpectedCall } from "./concierge-cases.ts";
import type { FleetFixture } from "./fleet-fixture.ts";

export interface MadeCall {
  operation: string;
  arguments: Record<string, unknown>;
}

export interface Grade {
  pass: boolean;
  why: string;
}

type Matcher = (actual: unknown) => boolean;

function expectedValue(v: unknown, fx: FleetFixture): Matcher {
  if (typeof v === "object" && v !== null && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    if (o.any === true) return (a) => a !== undefined && a !== null && a !== "";
    if (typeof o.ref === "string" && typeof o.name === "string") {
      const id = fx.id(o.ref as never, o.name);
      return (a) => a === id || (Array.isArray(a) && a.length === 1 && a[0] === id);
    }
    if (o.value === "approval_hash") return (a) => a === fx.approvalHash;
  }
  if (Array.isArray(v)) {
    const items = v.map((x) => expectedValue(x, fx));
    // Order carries no meaning in a filter list ("stopped or errored").
    return (a) => Array.isArray(a) && a.length === items.length && items.every((m) => a.some((x) => m(x)));
  }
  return (a) => isDeepStrictEqual(a, v);
}

function argumentsMatch(
  expected: ExpectedCall,
  made: MadeCall,
  op: AnyOperation | undefined,
  fx: FleetFixture,
): string | null {
  for (const [key, value] of Object.entries(expected.arguments)) {
    if (!expectedValue(value, fx)(made.arguments[key])) {
      return `${key}: expected ${JSON.stringify(value)}, got ${JSON.stringify(made.arguments[key])}`;
    }
  }
  for (const key of Object.keys(made.arguments)) {
    if (key in expected.arguments || expected.allow?.includes(key)) continue;
    // An extra argument that parses to the same input as leaving it out is a default spelled out.
    const { [key]: _dropped, ...without } = made.arguments;
    const a = op?.input.safeParse(made.arguments);
    const b = op?.input.safeParse(without);
    if (a?.success && b?.success && isDeepStrictEqual(a.data, b.data)) continue;
    return `unexpected ${key}: ${JSON.stringify(made.arguments[key])}`;
  }
  return null;
}

export function gradeCase(
  c: ConciergeCase,
  made: readonly MadeCall[],
  reply: string,
  operations: readonly AnyOperation[],
  fx: FleetFixture,
): Grade {
  const opOf = (name: string) => operations.find((op) => op.name === name);
  const isRead = (name: string) => opOf(name)?.effect === "read";
  if ("ask" in c) {
    const write = made.find((m) => !isRead(m.operation));
    if (write) return { pass: false, why: `acted (${write.operation}) instead of asking` };
    const named = reply.toLowerCase().includes(c.ask.toLowerCase());
    return named ? { pass: true, why: "asked" } : { pass: false, why: `did not ask for ${c.ask}` };
  }
  let next = 0;
  let mismatch = "";
  for (const m of made) {
    const want = c.expect[next];
    if (want && want.operation === m.operation) {
      const problem = argumentsMatch(want, m, opOf(m.operation), fx);
      if (!problem) {
        next++;
        continue;
      }
      mismatch ||= `${m.operation} ${problem}`;
    }
    if (!isRead(m.operation)) return { pass: false, why: mismatch || `unexpected ${m.operation}` };
  }
  if (next === c.expect.length) return { pass: true, why: "" };
  const missing = c.expect[next]!;
  if (mismatch) return { pass: false, why: mismatch };
  return {
    pass: false,
    why: made.length
      ? `no ${missing.operation} (called ${made.map((m) => m.operation).join(", ")})`
      : `no call (${reply.slice(0, 60)})`,
  };
}
