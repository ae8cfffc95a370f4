// Validation verdicts (spec/autonomy.md §3.7) as a table: a task still active waits, a failed one
// fails whatever the sensor says, an ok sensor decides effective (condition gone) or ineffective
// (still there), and a sensor that is not ok waits — until it has not been ok for 5 ticks.
import { describe, expect, it } from "vitest";
import { INCONCLUSIVE_AFTER_TICKS, type ValidationFacts, validationVerdict } from "./validation-plan.ts";

const facts = (patch: Partial<ValidationFacts>): ValidationFacts => ({
  taskStatuses: ["succeeded"],
  sensorStatus: "ok",
  conditionPresent: false,
  unvalidatedTicks: 0,
  ...patch,
});

describe("validationVerdict", () => {
  it.each([
    ["task succeeded, condition gone", {}, "effective"],
    ["no tasks (a catalog-only action), condition gone", { taskStatuses: [] }, "effective"],
    ["task succeeded, condition still present", { conditionPresent: true }, "ineffective"],
    ["a task still pending", { taskStatuses: ["succeeded", "pending"] }, "wait"],
    ["a task leased", { taskStatuses: ["leased"] }, "wait"],
    ["a task running, even with another failed", { taskStatuses: ["failed", "running"] }, "wait"],
    ["a task running while the sensor is down", { taskStatuses: ["running"], sensorStatus: "failed" }, "wait"],
    ["a task failed, condition gone", { taskStatuses: ["succeeded", "failed"] }, "failed"],
    ["a task cancelled", { taskStatuses: ["cancelled"], conditionPresent: true }, "failed"],
    ["a task expired", { taskStatuses: ["expired"] }, "failed"],
    ["a task aborted, sensor not ok", { taskStatuses: ["aborted"], sensorStatus: "degraded" }, "failed"],
    ["sensor degraded", { sensorStatus: "degraded" }, "wait"],
    ["sensor timed out, condition present", { sensorStatus: "timeout", conditionPresent: true }, "wait"],
    ["sensor did not run this tick", { sensorStatus: null }, "wait"],
    ["sensor not ok, 3 earlier ticks not ok", { sensorStatus: "failed", unvalidatedTicks: 3 }, "wait"],
    ["sensor not ok, the fifth tick", { sensorStatus: "failed", unvalidatedTicks: 4 }, "inconclusive"],
    ["sensor did not run, past five ticks", { sensorStatus: null, unvalidatedTicks: 9 }, "inconclusive"],
    ["sensor ok again after four bad ticks", { unvalidatedTicks: 4, conditionPresent: true }, "ineffective"],
  ] as const)("%s → %s", (_label, patch, verdict) => {
    expect(validationVerdict(facts(patch))).toBe(verdict);
  });

  it("gives up after exactly five ticks without an ok sensor", () => {
    expect(INCONCLUSIVE_AFTER_TICKS).toBe(5);
    const verdicts = [0, 1, 2, 3, 4].map((n) =>
      validationVerdict(facts({ sensorStatus: "disabled", unvalidatedTicks: n })),
    );
    expect(verdicts).toEqual(["wait", "wait", "wait", "wait", "inconclusive"]);
  });
});
