// Known values of the free-string fields the offline model fills from a request: action categories
// (from the catalog), task commands (from the command registry) and sensor names (from the sensor
// catalog the process runs). Operators say "the silent threshold"; the field wants `instance_silent`.
import { type AnyOperation, type SensorCatalog, TASK_COMMANDS } from "@nodepilot/core";

export function conciergeVocabulary(
  operations: readonly AnyOperation[],
  sensors?: SensorCatalog,
): Record<string, readonly string[]> {
  const categories = new Set<string>();
  for (const op of operations) {
    if (op.actionCategory) categories.add(op.actionCategory);
    for (const e of op.examples) {
      const c = e.input.action_category;
      if (typeof c === "string" && c !== "*") categories.add(c);
    }
  }
  return {
    action_category: [...categories].sort(),
    command: TASK_COMMANDS.map((c) => c.name),
    ...(sensors ? { sensor: sensors.list().map((s) => s.name) } : {}),
  };
}
