// The concierge eval set: operator requests, phrased the way people type them, with the tool calls
// a good concierge makes against the fixture fleet (fleet-fixture.ts). Names in requests are the
// fixture's; expected ids are references resolved from the seeded fleet when the eval runs.
//
// Matching (score-case.ts): the expected calls must appear in order with exactly these arguments;
// `allow` lists optional arguments a model may add; extra read calls (lookups) are tolerated, extra
// writes are not. An `ask` case passes when the model makes no call and its question names the field.

/** A seeded object, by the name the fixture gave it. */
export interface Ref {
  ref:
    | "node"
    | "instance"
    | "template"
    | "module"
    | "pool"
    | "user"
    | "task"
    | "approval"
    | "policy"
    | "assignment"
    | "template_module";
  name: string;
}
/** Any value is accepted (free text such as a reason or a timestamp). */
export interface AnyValue {
  any: true;
}
/** A value the fixture recorded (e.g. an approval request's payload_hash). */
export interface FixtureValue {
  value: "approval_hash";
}

const ref = (kind: Ref["ref"], name: string): Ref => ({ ref: kind, name });
const ANY: AnyValue = { any: true };
const recorded = (value: FixtureValue["value"]): FixtureValue => ({ value });

export interface ExpectedCall {
  operation: string;
  arguments: Record<string, unknown>;
  /** Optional arguments a model may add without failing the case. */
  allow?: readonly string[];
}

export interface FixtureIds {
  id(kind: Ref["ref"], name: string): string;
}

interface BaseCase {
  id: string;
  area: string;
  /** Earlier turns of the same conversation, run for real first (read requests only). */
  before?: readonly string[];
  request: string | ((fx: FixtureIds) => string);
}

export type ConciergeCase = BaseCase & ({ expect: readonly ExpectedCall[] } | { ask: string });

const call = (operation: string, args: Record<string, unknown> = {}, allow?: readonly string[]): ExpectedCall => ({
  operation,
  arguments: args,
  ...(allow ? { allow } : {}),
});

const inst = (name: string) => ref("instance", name);
const node = (name: string) => ref("node", name);
const mod = (name: string) => ref("module", name);
const tpl = (name: string) => ref("template", name);

export const CONCIERGE_CASES: readonly ConciergeCase[] = [
  // Fleet overview
  { id: "fleet-1", area: "fleet", request: "how's the fleet looking?", expect: [call("fleet_summary.get")] },
  {
    id: "fleet-2",
    area: "fleet",
    request: "give me a quick status overview of everything",
    expect: [call("fleet_summary.get")],
  },

  // Instances
  {
    id: "inst-1",
    area: "instances",
    request: "which instances are silent?",
    expect: [call("instance.list", { silent: true })],
  },
  {
    id: "inst-2",
    area: "instances",
    request: "which boxes have gone quiet",
    expect: [call("instance.list", { silent: true })],
  },
  { id: "inst-3", area: "instances", request: "list all instances", expect: [call("instance.list")] },
  {
    id: "inst-4",
    area: "instances",
    request: "which machines are running right now",
    expect: [call("instance.list", { status: ["running"] })],
  },
  {
    id: "inst-5",
    area: "instances",
    request: "show me the stopped or errored instances",
    expect: [call("instance.list", { status: ["stopped", "error"] })],
  },
  {
    id: "inst-6",
    area: "instances",
    request: "what instances does node gpu-7 have",
    expect: [call("instance.list", { node_id: node("gpu-7") })],
  },
  {
    id: "inst-7",
    area: "instances",
    request: "show instance edge-1-a",
    expect: [call("instance.get", { id: inst("edge-1-a") })],
  },
  {
    id: "inst-8",
    area: "instances",
    request: "when did edge-2-a last check in?",
    expect: [call("instance.get", { id: inst("edge-2-a") })],
  },
  {
    id: "inst-9",
    area: "instances",
    request: "reboot edge-2-a",
    expect: [call("instance.reboot", { id: inst("edge-2-a") }, ["reason"])],
  },
  {
    id: "inst-10",
    area: "instances",
    request: "please restart the machine gpu-7-a",
    expect: [call("instance.reboot", { id: inst("gpu-7-a") }, ["reason"])],
  },
  {
    id: "inst-11",
    area: "instances",
    request: "hard reboot edge-2-a, it is hung",
    expect: [call("instance.reboot", { id: inst("edge-2-a"), hard: true }, ["reason"])],
  },
  {
    id: "inst-12",
    area: "instances",
    request: "stop instance edge-1-a",
    expect: [call("instance.stop", { id: inst("edge-1-a") })],
  },
  {
    id: "inst-13",
    area: "instances",
    request: "force stop gpu-7-a",
    expect: [call("instance.stop", { id: inst("gpu-7-a"), force: true })],
  },
  {
    id: "inst-14",
    area: "instances",
    request: "power edge-2-a back on",
    expect: [call("instance.start", { id: inst("edge-2-a") })],
  },
  {
    id: "inst-15",
    area: "instances",
    request: "terminate edge-1-a",
    expect: [call("instance.terminate", { id: inst("edge-1-a") })],
  },
  {
    id: "inst-16",
    area: "instances",
    request: "cordon gpu-7-a so nothing new lands on it",
    expect: [call("instance.cordon", { id: inst("gpu-7-a") })],
  },
  {
    id: "inst-17",
    area: "instances",
    request: "uncordon edge-2-a",
    expect: [call("instance.uncordon", { id: inst("edge-2-a") })],
  },
  {
    id: "inst-18",
    area: "instances",
    request: "put a hold on gpu-7-a, I'm investigating disk errors",
    expect: [call("instance.hold", { id: inst("gpu-7-a"), reason: ANY })],
  },
  {
    id: "inst-19",
    area: "instances",
    request: "provision a new machine for node db-1",
    expect: [call("instance.provision", { node_id: node("db-1") })],
  },
  {
    id: "inst-20",
    area: "instances",
    request: "decommission gpu-7-a with a 5 minute drain",
    expect: [call("instance.decommission", { id: inst("gpu-7-a"), drain_timeout_seconds: 300 })],
  },
  {
    id: "inst-21",
    area: "instances",
    before: ["which instances are silent?"],
    request: "reboot the first one",
    expect: [call("instance.reboot", { id: inst("edge-2-a") }, ["reason"])],
  },
  {
    id: "inst-22",
    area: "instances",
    before: ["show instance gpu-7-a"],
    request: "cordon it",
    expect: [call("instance.cordon", { id: inst("gpu-7-a") })],
  },
  {
    id: "inst-23",
    area: "instances",
    request: "reboot edge-2-a and gpu-7-a",
    expect: [
      call("instance.reboot", { id: inst("edge-2-a") }, ["reason"]),
      call("instance.reboot", { id: inst("gpu-7-a") }, ["reason"]),
    ],
  },

  // Nodes
  { id: "node-1", area: "nodes", request: "list nodes", expect: [call("node.list")] },
  {
    id: "node-2",
    area: "nodes",
    request: "which nodes are disabled?",
    expect: [call("node.list", { enabled: false })],
  },
  { id: "node-3", area: "nodes", request: "show node edge-1", expect: [call("node.get", { id: node("edge-1") })] },
  {
    id: "node-4",
    area: "nodes",
    request: "which nodes are built from template edge-base",
    expect: [call("node.list", { node_template_id: tpl("edge-base") })],
  },
  {
    id: "node-5",
    area: "nodes",
    request: "disable node gpu-7",
    expect: [call("node.update", { id: node("gpu-7"), enabled: false }, ["version"])],
  },
  {
    id: "node-6",
    area: "nodes",
    request: "create a node called edge-3 from template edge-base",
    expect: [call("node.create", { name: "edge-3", node_template_id: tpl("edge-base") }, ["description"])],
  },
  { id: "node-7", area: "nodes", request: "delete node db-1", expect: [call("node.delete", { id: node("db-1") })] },
  {
    id: "node-8",
    area: "nodes",
    request: "apply the template to edge-2",
    expect: [call("node.apply_template", { node_id: node("edge-2") })],
  },
  {
    id: "node-9",
    area: "nodes",
    request: "what would re-applying its template change on edge-1? dry run only",
    expect: [call("node.apply_template", { node_id: node("edge-1"), dry_run: true })],
  },

  // Templates
  { id: "tpl-1", area: "templates", request: "list templates", expect: [call("template.list")] },
  {
    id: "tpl-2",
    area: "templates",
    request: "which modules does template edge-base include?",
    expect: [call("template_module.list", { id: tpl("edge-base") })],
  },
  {
    id: "tpl-3",
    area: "templates",
    request: "show template base",
    expect: [call("template.get", { id: tpl("base") })],
  },
  {
    id: "tpl-4",
    area: "templates",
    request: "add certbot to template base",
    expect: [call("template_module.add", { id: tpl("base"), node_module_id: mod("certbot") })],
  },
  {
    id: "tpl-5",
    area: "templates",
    request: "export template edge-base",
    expect: [call("template.export", { id: tpl("edge-base") })],
  },
  {
    id: "tpl-6",
    area: "templates",
    request: "disable the base template",
    expect: [call("template.update", { id: tpl("base"), enabled: false }, ["version"])],
  },

  // Modules, versions, assignments
  { id: "mod-1", area: "modules", request: "list all modules", expect: [call("module.list")] },
  {
    id: "mod-2",
    area: "modules",
    request: "show nginx's dependencies",
    expect: [call("module.dependencies", { id: mod("nginx") })],
  },
  {
    id: "mod-3",
    area: "modules",
    request: "nginx requires openssl",
    expect: [
      call("module.add_dependency", { id: mod("nginx"), dependency_id: mod("openssl"), dependency_type: "requires" }),
    ],
  },
  {
    id: "mod-4",
    area: "modules",
    request: "show module certbot",
    expect: [call("module.get", { id: mod("certbot") })],
  },
  {
    id: "mod-5",
    area: "modules",
    request: "list the versions of nginx",
    expect: [call("module_version.list", { node_module_id: mod("nginx") })],
  },
  {
    id: "mod-6",
    area: "modules",
    request: "which module versions are still drafts",
    expect: [call("module_version.list", { promotion_state: "draft" })],
  },
  {
    id: "mod-7",
    area: "modules",
    request: "assign debug-tools to gpu-7",
    expect: [call("assignment.create", { node_id: node("gpu-7"), node_module_id: mod("debug-tools") })],
  },
  {
    id: "mod-8",
    area: "modules",
    request: "which modules does edge-1 have?",
    expect: [call("assignment.list", { node_id: node("edge-1") }, ["enabled"])],
  },
  {
    id: "mod-9",
    area: "modules",
    request: "which nodes run nginx",
    expect: [call("assignment.list", { node_module_id: mod("nginx") }, ["enabled"])],
  },
  {
    id: "mod-10",
    area: "modules",
    request: "how much consent budget does nginx have left",
    expect: [call("module.consent_budget", { id: mod("nginx") })],
  },
  {
    id: "mod-11",
    area: "modules",
    request: "allow 5 autonomous actions a day on certbot",
    expect: [call("module.set_consent_budget", { id: mod("certbot"), limit: 5 })],
  },
  {
    id: "mod-12",
    area: "modules",
    request: "delete module caddy",
    expect: [call("module.delete", { id: mod("caddy") })],
  },

  // Tasks
  { id: "task-1", area: "tasks", request: "show failed tasks", expect: [call("task.list", { status: ["failed"] })] },
  { id: "task-2", area: "tasks", request: "list pending tasks", expect: [call("task.list", { status: ["pending"] })] },
  {
    id: "task-3",
    area: "tasks",
    request: "what tasks are there for edge-1-a",
    expect: [call("task.list", { subject_type: "node_instance", subject_id: inst("edge-1-a") }, ["status"])],
  },
  {
    id: "task-4",
    area: "tasks",
    request: "collect facts from gpu-7-a",
    expect: [
      call("task.create", { subject_type: "node_instance", subject_id: inst("gpu-7-a"), command: "collect_facts" }),
    ],
  },
  {
    id: "task-5",
    area: "tasks",
    request: (fx) => `cancel task ${fx.id("task", "facts")}, it was queued by mistake`,
    expect: [call("task.cancel", { id: ref("task", "facts"), reason: ANY })],
  },
  {
    id: "task-6",
    area: "tasks",
    request: (fx) => `what happened to task ${fx.id("task", "facts")}?`,
    expect: [call("task.get", { id: ref("task", "facts") }, ["wait_seconds"])],
  },

  // Pools
  { id: "pool-1", area: "pools", request: "list instance pools", expect: [call("pool.list")] },
  {
    id: "pool-2",
    area: "pools",
    request: "pause pool ci-runners",
    expect: [call("pool.pause", { id: ref("pool", "ci-runners") })],
  },
  {
    id: "pool-3",
    area: "pools",
    request: "grow ci-runners to 4 machines",
    expect: [call("pool.update", { id: ref("pool", "ci-runners"), target_size: 4 }, ["version"])],
  },
  {
    id: "pool-4",
    area: "pools",
    request: "drain pool ci-runners",
    expect: [call("pool.drain", { id: ref("pool", "ci-runners") })],
  },

  // Approvals
  {
    id: "appr-1",
    area: "approvals",
    request: "what's waiting for my approval?",
    expect: [call("approval_request.list", { status: ["pending"] })],
  },
  {
    id: "appr-2",
    area: "approvals",
    request: "show rejected approval requests",
    expect: [call("approval_request.list", { status: ["rejected"] })],
  },
  {
    id: "appr-3",
    area: "approvals",
    request: (fx) => `approve request ${fx.id("approval", "recover-gpu-7-a")}`,
    expect: [
      call(
        "approval_request.approve",
        { id: ref("approval", "recover-gpu-7-a"), payload_hash: recorded("approval_hash") },
        ["comment"],
      ),
    ],
  },
  {
    id: "appr-4",
    area: "approvals",
    request: (fx) => `reject ${fx.id("approval", "recover-gpu-7-a")} because of the release freeze`,
    expect: [
      call("approval_request.reject", {
        id: ref("approval", "recover-gpu-7-a"),
        payload_hash: recorded("approval_hash"),
        reason: ANY,
      }),
    ],
  },

  // Events
  {
    id: "event-1",
    area: "events",
    request: "show critical events",
    expect: [call("event.list", { severity: "critical" })],
  },
  {
    id: "event-2",
    area: "events",
    request: "what happened to gpu-7-a recently",
    expect: [call("event.list", { node_instance_id: inst("gpu-7-a") }, ["kind", "since"])],
  },
  {
    id: "event-3",
    area: "events",
    request: "show the events for node edge-1",
    expect: [call("event.list", { node_id: node("edge-1") })],
  },

  // Autonomy: policies, settings, sensors, ticks, breakers
  {
    id: "auto-1",
    area: "policies",
    request: "list the intervention policies",
    expect: [call("intervention_policy.list")],
  },
  {
    id: "auto-2",
    area: "policies",
    request: "which policies cover instance recovery?",
    expect: [call("intervention_policy.list", { action_category: "instance.recover" })],
  },
  {
    id: "auto-3",
    area: "policies",
    request: "what are the autonomy settings",
    expect: [call("autonomy_settings.get")],
  },
  {
    id: "auto-4",
    area: "policies",
    request: "pause autonomy",
    expect: [call("autonomy_settings.update", { autonomy_mode: "paused" })],
  },
  {
    id: "auto-5",
    area: "policies",
    request: "are any circuit breakers open?",
    expect: [call("category_breaker.list")],
  },
  { id: "auto-6", area: "policies", request: "run a fleet tick now", expect: [call("fleet_tick.run")] },
  {
    id: "auto-7",
    area: "policies",
    request: "show the instance_silent sensor settings",
    expect: [call("sensor_config.get", { sensor: "instance_silent" })],
  },
  { id: "auto-8", area: "policies", request: "list the sensors", expect: [call("sensor_config.list")] },

  // Users and tokens
  { id: "user-1", area: "users", request: "list all users", expect: [call("user.list")] },
  { id: "user-2", area: "users", request: "who are the admins?", expect: [call("user.list", { role: "admin" })] },
  {
    id: "user-3",
    area: "users",
    request: "disable user ana",
    expect: [call("user.update", { id: ref("user", "ana"), status: "disabled" }, ["version"])],
  },
  {
    id: "user-4",
    area: "users",
    request: "add bob@example.com as a viewer",
    expect: [call("user.create", { email: "bob@example.com", display_name: ANY, role: "viewer" })],
  },
  {
    id: "user-5",
    area: "users",
    request: "make ana an admin",
    expect: [call("user.update", { id: ref("user", "ana"), role: "admin" }, ["version"])],
  },
  {
    id: "user-6",
    area: "users",
    request: "list active api tokens",
    expect: [call("api_token.list", { state: "active" })],
  },

  // Everything else an operator asks about
  { id: "misc-1", area: "misc", request: "which providers do we have?", expect: [call("provider.list")] },
  { id: "misc-2", area: "misc", request: "list environments", expect: [call("environment.list")] },
  { id: "misc-3", area: "misc", request: "take a compliance snapshot", expect: [call("compliance_snapshot.create")] },
  { id: "misc-4", area: "misc", request: "verify the audit hash chain", expect: [call("compliance_snapshot.verify")] },
  {
    id: "misc-5",
    area: "misc",
    request: "which devices are waiting to be claimed",
    expect: [call("unclaimed_device.list", { status: "pending" })],
  },
  {
    id: "misc-6",
    area: "misc",
    request: "arm64 instance types",
    expect: [call("catalog.instance_types", { architecture: "arm64" })],
  },

  // A second batch, written after the offline model first passed the set above and run once before
  // any change to the model: its first result is reported in docs/concierge.md.
  {
    id: "h-1",
    area: "instances",
    request: "anything silent in the fleet?",
    expect: [call("instance.list", { silent: true })],
  },
  {
    id: "h-2",
    area: "instances",
    request: "are there instances that stopped heartbeating",
    expect: [call("instance.list", { silent: true })],
  },
  {
    id: "h-3",
    area: "instances",
    request: "show me edge-2-a",
    expect: [call("instance.get", { id: inst("edge-2-a") })],
  },
  {
    id: "h-4",
    area: "instances",
    request: "bounce gpu-7-a",
    expect: [call("instance.reboot", { id: inst("gpu-7-a") }, ["reason"])],
  },
  {
    id: "h-5",
    area: "instances",
    request: "could you restart edge-1-a for me",
    expect: [call("instance.reboot", { id: inst("edge-1-a") }, ["reason"])],
  },
  {
    id: "h-6",
    area: "instances",
    request: "shut down gpu-7-a",
    expect: [call("instance.stop", { id: inst("gpu-7-a") })],
  },
  {
    id: "h-7",
    area: "instances",
    request: "start edge-2-a",
    expect: [call("instance.start", { id: inst("edge-2-a") })],
  },
  {
    id: "h-8",
    area: "instances",
    request: "release the hold on gpu-7-a",
    expect: [call("instance.release_hold", { id: inst("gpu-7-a") }, ["reason"])],
  },
  {
    id: "h-9",
    area: "instances",
    request: "list the instances of edge-1",
    expect: [call("instance.list", { node_id: node("edge-1") })],
  },
  {
    id: "h-10",
    area: "instances",
    request: "instances in error state",
    expect: [call("instance.list", { status: ["error"] })],
  },
  {
    id: "h-11",
    area: "instances",
    request: "reboot gpu-7",
    expect: [call("instance.reboot", { id: inst("gpu-7-a") }, ["reason"])],
  },
  {
    id: "h-12",
    area: "nodes",
    request: "show all nodes with template base",
    expect: [call("node.list", { node_template_id: tpl("base") })],
  },
  { id: "h-13", area: "nodes", request: "get node gpu-7", expect: [call("node.get", { id: node("gpu-7") })] },
  {
    id: "h-14",
    area: "nodes",
    request: "enable node db-1",
    expect: [call("node.update", { id: node("db-1"), enabled: true }, ["version"])],
  },
  { id: "h-15", area: "nodes", request: "remove node edge-2", expect: [call("node.delete", { id: node("edge-2") })] },
  {
    id: "h-16",
    area: "modules",
    request: "what modules are assigned to gpu-7",
    expect: [call("assignment.list", { node_id: node("gpu-7") }, ["enabled"])],
  },
  {
    id: "h-17",
    area: "modules",
    request: "remove debug-tools from edge-1",
    expect: [call("assignment.delete", { id: ref("assignment", "edge-1/debug-tools") })],
  },
  {
    id: "h-18",
    area: "modules",
    request: "disable nginx on edge-1",
    expect: [call("assignment.disable", { id: ref("assignment", "edge-1/nginx") })],
  },
  {
    id: "h-19",
    area: "templates",
    request: "show the template edge-base",
    expect: [call("template.get", { id: tpl("edge-base") })],
  },
  { id: "h-20", area: "templates", request: "which templates are there", expect: [call("template.list")] },
  {
    id: "h-21",
    area: "templates",
    request: "remove nginx from template edge-base",
    expect: [
      call("template_module.remove", {
        id: tpl("edge-base"),
        template_module_id: ref("template_module", "edge-base/nginx"),
      }),
    ],
  },
  {
    id: "h-22",
    area: "modules",
    request: "delete the caddy module",
    expect: [call("module.delete", { id: mod("caddy") })],
  },
  {
    id: "h-23",
    area: "modules",
    request: "what does certbot depend on?",
    expect: [call("module.dependencies", { id: mod("certbot") })],
  },
  {
    id: "h-24",
    area: "modules",
    request: "show nginx versions",
    expect: [call("module_version.list", { node_module_id: mod("nginx") })],
  },
  { id: "h-25", area: "tasks", request: "list failed jobs", expect: [call("task.list", { status: ["failed"] })] },
  {
    id: "h-26",
    area: "tasks",
    request: (fx) => `retry task ${fx.id("task", "facts")}`,
    expect: [call("task.retry", { id: ref("task", "facts") })],
  },
  {
    id: "h-27",
    area: "pools",
    request: "show pool ci-runners",
    expect: [call("pool.get", { id: ref("pool", "ci-runners") })],
  },
  {
    id: "h-28",
    area: "pools",
    request: "resume ci-runners",
    expect: [call("pool.resume", { id: ref("pool", "ci-runners") })],
  },
  { id: "h-29", area: "pools", request: "which pools are paused", expect: [call("pool.list", { status: "paused" })] },
  {
    id: "h-30",
    area: "approvals",
    request: "any pending approvals?",
    expect: [call("approval_request.list", { status: ["pending"] })],
  },
  {
    id: "h-31",
    area: "events",
    request: "show me high severity events",
    expect: [call("event.list", { severity: "high" })],
  },
  { id: "h-32", area: "policies", request: "list all policies", expect: [call("intervention_policy.list")] },
  {
    id: "h-33",
    area: "policies",
    request: "resume autonomy",
    expect: [call("autonomy_settings.update", { autonomy_mode: "active" })],
  },
  { id: "h-34", area: "users", request: "show users", expect: [call("user.list")] },
  { id: "h-35", area: "users", request: "list viewers", expect: [call("user.list", { role: "viewer" })] },
  { id: "h-36", area: "policies", request: "show the last 5 ticks", expect: [call("fleet_tick.list", { limit: 5 })] },
  { id: "h-37", area: "fleet", request: "how does the fleet look today", expect: [call("fleet_summary.get")] },
  {
    id: "h-38",
    area: "templates",
    request: "list disabled templates",
    expect: [call("template.list", { enabled: false })],
  },

  // Not enough to act on: the concierge asks, naming the field
  { id: "ask-1", area: "clarify", request: "reboot the machine", ask: "id" },
  { id: "ask-2", area: "clarify", request: "delete a node", ask: "id" },
  { id: "ask-3", area: "clarify", request: "create a node called edge-9", ask: "node_template_id" },
];
