// external_pressure: decay, the per-signal threshold and the aggregate severity edges (tables),
// then one statement over 1,000 incoming signals, most decayed or expired.
import { randomBytes } from "node:crypto";
import { pressure_signals, pressure_sources } from "@nodepilot/store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  decayedStrength,
  externalPressure,
  type PressureRow,
  pressureSeverity,
  pressureSignal,
} from "./external-pressure.ts";
import { createTestAccount, deleteTestAccount, openTestDatabase, senseCounted } from "./testing/database.ts";

const now = new Date("2026-01-01T12:00:00.000Z");
const minutesAgo = (m: number) => new Date(now.getTime() - m * 60_000);
const defaults = externalPressure.settings.parse({});
const sig = (strength: number, o: Partial<PressureRow> = {}): PressureRow => ({
  source: "billing",
  signal_type: "billing.load",
  key: "eu",
  strength,
  decay_rate: 0,
  emitted_at: minutesAgo(1),
  expires_at: minutesAgo(-30),
  ...o,
});

describe("external_pressure rules", () => {
  it("decays per minute and is zero once expired", () => {
    expect(decayedStrength(sig(2, { decay_rate: 0.5, emitted_at: minutesAgo(2) }), now)).toBeCloseTo(0.5, 10);
    expect(decayedStrength(sig(1, { decay_rate: 0.05, emitted_at: minutesAgo(10) }), now)).toBeCloseTo(0.95 ** 10, 10);
    expect(decayedStrength(sig(3, { expires_at: now }), now)).toBe(0);
  });

  it.each([
    [[0.49], null],
    [[0.5], "medium"],
    [[0.5, 0.5], "medium"],
    [[0.5, 0.5, 0.001], "medium"],
    [[0.6, 0.5], "high"],
    [[1.5, 1.5], "high"],
    [[1.5, 1.6], "critical"],
    [[5], "critical"],
  ])("strengths %j → %s", (strengths, severity) => {
    const rows = strengths.map((s, i) => sig(s, { key: `k${i}` }));
    expect(pressureSignal(rows, defaults, now)?.severity ?? null).toBe(severity);
  });

  it.each([
    [1, "medium"],
    [1.001, "high"],
    [3, "high"],
    [3.001, "critical"],
  ])("aggregate %s → %s", (a, severity) => {
    expect(pressureSeverity(a)).toBe(severity);
  });

  it("summarises the counted signals and names the strongest", () => {
    const rows = [
      sig(0.8, { signal_type: "billing.load", key: "eu" }),
      sig(2.25, { source: "ci", signal_type: "ci.queue_depth", key: "runners" }),
      sig(0.2, { signal_type: "weak.one", key: "x" }),
    ];
    expect(pressureSignal(rows, defaults, now)).toEqual({
      kind: "fleet.external_pressure",
      severity: "critical",
      sensor: "external_pressure",
      fingerprint: "external_pressure:aggregate",
      payload: {
        aggregate_strength: 3.05,
        source_signal_count: 2,
        source_signal_types: ["billing.load", "ci.queue_depth"],
        strongest: { source: "ci", signal_type: "ci.queue_depth", key: "runners", strength: 2.25 },
      },
      refs: {},
    });
  });

  it("follows the per-account threshold", () => {
    const s = externalPressure.settings.parse({ strength_threshold: 2 });
    expect(pressureSignal([sig(1.9)], s, now)).toBeNull();
    expect(pressureSignal([sig(2)], s, now)?.severity).toBe("high");
  });
});

describe("external_pressure on the database", () => {
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  let accountId: string;
  const at = new Date();
  const ago = (m: number) => new Date(at.getTime() - m * 60_000);

  beforeAll(async () => {
    database = await openTestDatabase();
    accountId = await createTestAccount(database);
    const [billing] = await database.db
      .insert(pressure_sources)
      .values({ account_id: accountId, name: "billing", secret_encrypted: "sealed" })
      .returning();
    const [muted] = await database.db
      .insert(pressure_sources)
      .values({ account_id: accountId, name: "muted", secret_encrypted: "sealed", enabled: false })
      .returning();
    const row = (o: Partial<typeof pressure_signals.$inferInsert>) => ({
      account_id: accountId,
      direction: "in" as const,
      source_id: billing!.id,
      signal_type: "billing.load",
      key: randomBytes(6).toString("hex"),
      strength: 1,
      decay_rate: 0.05,
      emitted_at: ago(1),
      expires_at: ago(-20),
      ...o,
    });
    // 1,000 that do not count: long expired, or decayed far below the threshold.
    await database.db
      .insert(pressure_signals)
      .values([
        ...Array.from({ length: 500 }, () => row({ strength: 4, emitted_at: ago(90), expires_at: ago(60) })),
        ...Array.from({ length: 500 }, () => row({ strength: 2, decay_rate: 0.5, emitted_at: ago(10) })),
      ]);
    await database.db.insert(pressure_signals).values([
      row({ strength: 1.2, decay_rate: 0, key: "eu-west" }),
      row({ strength: 0.9, decay_rate: 0, signal_type: "billing.queue", key: "invoices" }),
      // A disabled source's pressure and our own outgoing pressure are not incoming load.
      row({ strength: 5, decay_rate: 0, source_id: muted!.id }),
      row({
        strength: 5,
        decay_rate: 0,
        direction: "out",
        source_id: null,
        signal_type: "fleet.capacity_pressure",
        key: "account",
      }),
    ]);
  });
  afterAll(async () => {
    if (database) {
      await deleteTestAccount(database, accountId);
      await database.close();
    }
  });

  it("sums the active incoming pressure in one statement", async () => {
    const result = await senseCounted(database, externalPressure, { accountId, now: at });
    expect(result.statements).toHaveLength(1);
    expect(result.signals).toEqual([
      expect.objectContaining({
        severity: "high",
        fingerprint: "external_pressure:aggregate",
        payload: {
          aggregate_strength: 2.1,
          source_signal_count: 2,
          source_signal_types: ["billing.load", "billing.queue"],
          strongest: { source: "billing", signal_type: "billing.load", key: "eu-west", strength: 1.2 },
        },
      }),
    ]);
  });
});
