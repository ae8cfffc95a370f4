import { describe, expect, it } from "vitest";
import { groupEvents } from "./event-groups";
import type { FleetEvent } from "./types";

let n = 0;
const ev = (seq: number, over: Partial<FleetEvent>): FleetEvent => ({
  id: `00000000-0000-7000-8000-${String(++n).padStart(12, "0")}`,
  seq,
  kind: "x.y",
  severity: "low",
  payload: {},
  correlation_id: null,
  fingerprint: null,
  source: "api",
  actor_type: "user",
  actor_id: null,
  subject_type: null,
  subject_id: null,
  node_id: null,
  node_instance_id: null,
  node_module_id: null,
  module_version_id: null,
  task_id: null,
  cve_id: null,
  certificate_id: null,
  instance_pool_id: null,
  emitted_at: new Date(1_700_000_000_000 + seq * 1000).toISOString(),
  created_at: new Date(1_700_000_000_000 + seq * 1000).toISOString(),
  ...over,
});

describe("groupEvents", () => {
  it("keeps a correlation chain together and orders groups by their newest event", () => {
    const groups = groupEvents([
      ev(1, { kind: "autonomy.tick_started", correlation_id: "tick:a" }),
      ev(2, { kind: "other.thing" }),
      ev(3, { kind: "fleet.instance_silent", correlation_id: "tick:a", severity: "high" }),
      ev(4, { kind: "autonomy.tick_completed", correlation_id: "tick:a" }),
    ]);
    expect(groups.map((g) => g.events.length)).toEqual([3, 1]);
    const tick = groups[0]!;
    expect(tick.firstKind).toBe("autonomy.tick_started");
    expect(tick.latest.seq).toBe(4);
    expect(tick.severity).toBe("high");
    expect(tick.events.map((e) => e.seq)).toEqual([4, 3, 1]);
  });

  it("joins a task's later events, reported under other correlation ids, to the chain that created it", () => {
    const groups = groupEvents([
      ev(10, { kind: "task.created", correlation_id: "req:1", task_id: "t1", payload: { command: "reboot" } }),
      ev(11, { kind: "task.transitioned", correlation_id: "agent:2", task_id: "t1", payload: { event: "start" } }),
      ev(12, { kind: "instance.transitioned", correlation_id: "agent:2" }),
      ev(13, { kind: "task.transitioned", task_id: "t1", payload: { event: "complete", command: "reboot" } }),
    ]);
    expect(groups).toHaveLength(1);
    expect(groups[0]!.key).toBe("c:req:1");
    expect(groups[0]!.events.map((e) => e.seq)).toEqual([13, 12, 11, 10]);
    expect(groups[0]!.tasks).toEqual([{ taskId: "t1", command: "reboot", step: "task.complete" }]);
  });

  it("keeps a task's events in its own chain when another chain shares a later correlation id", () => {
    const groups = groupEvents([
      ev(1, { kind: "task.created", correlation_id: "req:1", task_id: "t1" }),
      ev(2, { kind: "instance.transitioned", correlation_id: "hb:9" }),
      ev(3, { kind: "task.transitioned", correlation_id: "hb:9", task_id: "t1", payload: { event: "complete" } }),
    ]);
    expect(groups.map((g) => g.events.map((e) => e.seq))).toEqual([[3, 1], [2]]);
  });

  it("leaves uncorrelated events alone, one group each", () => {
    const groups = groupEvents([ev(5, {}), ev(6, {})]);
    expect(groups.map((g) => g.latest.seq)).toEqual([6, 5]);
  });
});
