// Which resource URIs a fleet event changes (table), and the subscription set's window: a burst is
// one delivery per URI per window, a feed gap (null) marks everything subscribed, and the feed is
// followed only while something is subscribed. The HTTP behaviour is server/src/mcp/mcp-resources.test.ts.
import { afterEach, describe, expect, it, vi } from "vitest";
import type { FleetEvent, FleetEventFeed } from "./fleet-events.ts";
import { ResourceSubscriptions, urisChangedBy } from "./resource-subscriptions.ts";

const NODE = "01890000-0000-7000-8000-000000000001";
const INSTANCE = "01890000-0000-7000-8000-000000000002";

const event = (over: Partial<FleetEvent>): FleetEvent => ({
  id: "01890000-0000-7000-8000-0000000000e1",
  seq: 1,
  kind: "node.updated",
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
  emitted_at: "2026-01-01T00:00:00.000Z",
  created_at: "2026-01-01T00:00:00.000Z",
  ...over,
});

const EVERY = ["nodepilot://events/recent", "nodepilot://fleet/summary"];

describe("urisChangedBy", () => {
  it.each([
    ["an event with no subject", event({ kind: "mcp.tool_called" }), []],
    ["a node's event", event({ node_id: NODE }), [`nodepilot://nodes/${NODE}`]],
    ["a node named only as subject", event({ subject_type: "node", subject_id: NODE }), [`nodepilot://nodes/${NODE}`]],
    [
      "an instance's event, which names its node too",
      event({ kind: "instance.transitioned", node_id: NODE, node_instance_id: INSTANCE }),
      [`nodepilot://nodes/${NODE}`, `nodepilot://instances/${INSTANCE}`],
    ],
    ["an approval requested", event({ kind: "autonomy.approval_requested" }), ["nodepilot://approvals/pending"]],
    [
      "any event about an approval request",
      event({ kind: "task.created", subject_type: "approval_request", subject_id: NODE }),
      ["nodepilot://approvals/pending"],
    ],
    [
      "a compliance snapshot archived",
      event({ kind: "compliance.snapshot_archived" }),
      ["nodepilot://compliance/snapshot"],
    ],
  ])("%s", (_label, e, extra) => {
    expect(urisChangedBy(e).sort()).toEqual([...EVERY, ...extra].sort());
  });
});

function scriptedFeed() {
  const state = { followers: 0, push: (_e: FleetEvent | null) => {} };
  const feed: FleetEventFeed = {
    async follow(_accountId, onEvent) {
      state.followers++;
      state.push = onEvent;
      return () => {
        state.followers--;
      };
    },
  };
  return { feed, state };
}

// Fake timers (Date.now included), so the window is exact however loaded the machine is.
const tick = (ms: number) => vi.advanceTimersByTimeAsync(ms);

describe("ResourceSubscriptions", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("delivers a burst once per URI per window, and a feed gap as every subscribed URI", async () => {
    vi.useFakeTimers();
    const { feed, state } = scriptedFeed();
    const delivered: string[][] = [];
    const subs = new ResourceSubscriptions({
      feed,
      windowMs: 100,
      deliver: async (uris) => {
        delivered.push([...uris].sort());
      },
      onError: (err) => {
        throw err;
      },
    });
    await subs.add(`nodepilot://nodes/${NODE}`, "acct");
    await subs.add("nodepilot://fleet/summary", "acct");
    expect(state.followers).toBe(1);
    for (let i = 0; i < 20; i++) state.push(event({ node_id: NODE }));
    await tick(20);
    expect(delivered).toEqual([["nodepilot://fleet/summary", `nodepilot://nodes/${NODE}`]]);
    state.push(event({ node_id: NODE }));
    await tick(20);
    expect(delivered).toHaveLength(1);
    await tick(120);
    expect(delivered).toHaveLength(2);
    await tick(120);
    state.push(null);
    await tick(20);
    expect(delivered[2]).toEqual(["nodepilot://fleet/summary", `nodepilot://nodes/${NODE}`]);
    subs.remove(`nodepilot://nodes/${NODE}`);
    expect(state.followers).toBe(1);
    subs.remove("nodepilot://fleet/summary");
    await tick(0);
    expect(state.followers).toBe(0);
    expect(subs.isFollowing).toBe(false);
  });

  it("stops a follower that was still starting when the last subscription went away", async () => {
    vi.useFakeTimers();
    const { feed, state } = scriptedFeed();
    const subs = new ResourceSubscriptions({ feed, deliver: async () => {}, onError: () => {} });
    const adding = subs.add("nodepilot://events/recent", "acct");
    subs.close();
    await adding;
    await tick(0);
    expect(state.followers).toBe(0);
  });
});
