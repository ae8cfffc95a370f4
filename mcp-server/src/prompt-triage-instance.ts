// triage_instance: an operator's "what is wrong with this machine?" as a job for a model. It embeds
// the instance as it is now (state, node, heartbeat, recent tasks and events, read through the
// catalog as the session's principal), a reading of that state, and the order in which to call
// the read tools before proposing the least disruptive fix.
import { completeInstanceRef } from "./completers.ts";
import { resolveInstanceId } from "./lookups.ts";
import { clip, embeddedJson, type PromptDefinition, relative, userText } from "./prompt-definition.ts";
import type { SessionReads } from "./session-reads.ts";

/** spec/domain.md §1.2: running or starting with no heartbeat for this long is silent. */
const SILENT_AFTER_MS = 180_000;
const RECENT_TASKS = 10;
const RECENT_EVENTS = 20;

interface Instance {
  id: string;
  node_id: string;
  name: string;
  variety: string;
  status: string;
  status_changed_at: string;
  status_reason: string | null;
  last_heartbeat_at: string | null;
  agent_version: string | null;
  boot_id: string | null;
  private_ip: string | null;
  public_ip: string | null;
  running_module_digests: Record<string, string>;
  hold: { by: string; reason: string; at: string } | null;
  cordoned_at: string | null;
  [field: string]: unknown;
}

interface Task {
  id: string;
  command: string;
  status: string;
  attempt: number;
  max_attempts: number;
  error_code: string | null;
  error_message: string | null;
  created_at: string;
  completed_at: string | null;
  [field: string]: unknown;
}

interface FleetEvent {
  seq: number;
  kind: string;
  severity: string;
  payload: Record<string, unknown>;
  task_id: string | null;
  correlation_id: string | null;
  emitted_at: string;
  [field: string]: unknown;
}

interface Page<T> {
  items: T[];
  has_more: boolean;
}

export interface TriageContext {
  now: Date;
  instance: Instance;
  node: { id: string; name: string; enabled: boolean; node_template_id: string; environment_id: string | null };
  tasks: Page<Task>;
  events: Page<FleetEvent>;
}

type TriageArgs = {
  instance: string;
};

async function load(args: TriageArgs, reads: SessionReads): Promise<TriageContext> {
  const id = await resolveInstanceId(reads, "instance", args.instance);
  const instance = await reads.read<Instance>("instance_get", { id });
  const node = await reads.read<TriageContext["node"]>("node_get", { id: instance.node_id });
  const tasks = await reads.read<Page<Task>>("task_list", {
    subject_type: "node_instance",
    subject_id: id,
    limit: RECENT_TASKS,
  });
  const events = await reads.read<Page<FleetEvent>>("event_list", { node_instance_id: id, limit: RECENT_EVENTS });
  const { id: nodeId, name, enabled, node_template_id, environment_id } = node;
  return {
    now: reads.now,
    instance,
    node: { id: nodeId, name, enabled, node_template_id, environment_id },
    tasks,
    events,
  };
}

const isSilent = (i: Instance, now: Date) =>
  (i.status === "running" || i.status === "starting") &&
  (!i.last_heartbeat_at || now.getTime() - Date.parse(i.last_heartbeat_at) > SILENT_AFTER_MS);

/** What the state alone suggests, so the model starts from the right question. */
function reading(c: TriageContext): string[] {
  const i = c.instance;
  const notes: string[] = [];
  if (isSilent(i, c.now)) {
    notes.push(
      `It is ${i.status} but SILENT (no heartbeat for over 180 s): the agent may be down, the machine hung, or the network cut. Look at the last events before the heartbeats stopped; instance_reboot {id} is the usual fix, with hard: true only when a graceful reboot cannot reach the agent.`,
    );
  }
  if (i.status === "error") {
    notes.push(
      "It is in error: status_reason and the newest failed task say why. instance_start {id} is allowed from error once the cause is understood.",
    );
  }
  if (["provisioning", "starting", "stopping", "rebooting", "terminating"].includes(i.status)) {
    notes.push(
      `It is mid-transition (${i.status}): find the task driving it in the recent tasks and follow it with task_get {id, wait_seconds: 45} before doing anything else.`,
    );
  }
  if (i.status === "pending") notes.push("It is pending: it was never provisioned, or its provision task has not run.");
  if (i.status === "stopped")
    notes.push("It is stopped: check in the events who stopped it and whether that was intended.");
  if (i.status === "terminated") {
    notes.push(
      "It is terminated: nothing on it can be recovered. If the node needs a machine, instance_provision {node_id} makes a new one.",
    );
  }
  const failed = c.tasks.items.filter((t) => t.status === "failed");
  if (failed.length > 0) {
    notes.push(
      `${failed.length} of its recent tasks failed; read the newest with task_get {id: "${failed[0]!.id}"} for the full error.`,
    );
  }
  if (i.hold) {
    notes.push(
      `It is on hold (${i.hold.reason}, by ${i.hold.by}): start, reboot and terminate are refused until someone releases the hold. Do not release it yourself.`,
    );
  }
  if (i.cordoned_at) notes.push("It is cordoned: it gets no new allocations or tasks.");
  if (!c.node.enabled) notes.push(`Its node ${c.node.name} is disabled.`);
  if (notes.length === 0)
    notes.push("Nothing in its state stands out: check the events for what prompted this triage.");
  return notes;
}

function summary(c: TriageContext): string {
  const i = c.instance;
  const lines = [
    `Triage the Nodepilot instance ${i.name} (id ${i.id}) on node ${c.node.name} (id ${c.node.id}).`,
    "",
    `Its state as read at ${c.now.toISOString()}:`,
    `- status: ${i.status} since ${relative(c.now, i.status_changed_at)}${i.status_reason ? `; reason: ${clip(i.status_reason)}` : ""}`,
    `- last heartbeat: ${relative(c.now, i.last_heartbeat_at)}${isSilent(i, c.now) ? " (SILENT)" : ""}`,
    `- agent: ${i.agent_version ?? "unknown version"}, boot id ${i.boot_id ?? "none"}; ${i.variety} machine; private ip ${i.private_ip ?? "none"}, public ip ${i.public_ip ?? "none"}`,
    `- hold: ${i.hold ? `${i.hold.reason} (by ${i.hold.by}, ${i.hold.at})` : "none"}; cordoned: ${i.cordoned_at ?? "no"}`,
    `- modules running: ${Object.keys(i.running_module_digests).length}`,
    "",
    `Recent tasks (newest first${c.tasks.has_more ? `, the newest ${c.tasks.items.length}` : ""}):`,
    ...(c.tasks.items.length === 0
      ? ["- none"]
      : c.tasks.items.map(
          (t) =>
            `- ${t.command} ${t.status} (attempt ${t.attempt}/${t.max_attempts}, ${t.created_at}, id ${t.id})${t.error_message ? `: ${t.error_code ?? "error"}: ${clip(t.error_message, 160)}` : ""}`,
        )),
    "",
    `Recent events (newest first${c.events.has_more ? `, the newest ${c.events.items.length}` : ""}):`,
    ...(c.events.items.length === 0
      ? ["- none"]
      : c.events.items.map(
          (e) => `- #${e.seq} ${e.emitted_at} ${e.kind} [${e.severity}] ${clip(JSON.stringify(e.payload), 160)}`,
        )),
    "",
    "What the state suggests:",
    ...reading(c).map((n) => `- ${n}`),
    "",
    `The full instance, its node, tasks and events are attached as nodepilot://instances/${i.id}.`,
  ];
  return lines.join("\n");
}

const instructions = (c: TriageContext) => {
  const id = c.instance.id;
  return [
    "Work through it in this order with the Nodepilot tools. Read tools are safe to call as often as you need.",
    `1. Confirm the state is current: instance_get {id: "${id}"}.`,
    `2. Find what changed and when: event_list {node_instance_id: "${id}", limit: 100}; for one request's whole chain, event_correlation {correlation_id}. Note when heartbeats stopped, instance.transitioned events and their reasons, and task failures.`,
    `3. Check the work on it: task_list {subject_type: "node_instance", subject_id: "${id}", status: ["failed"]}, then task_get {id} for the full error of the newest failures, and whether attempts are left.`,
    `4. Check what it should run: node_get {id: "${c.node.id}"} and assignment_list {node_id: "${c.node.id}", enabled: true}; compare with running_module_digests (keyed by module id) and module_version_list for the digests each module should have.`,
    '5. Check whether a decision is already waiting: approval_request_list {status: ["pending"]} for requests whose target is this instance (needs autonomy:read).',
    "",
    "Then answer with:",
    "- Diagnosis: what is wrong (or that it is healthy), with the evidence: event seq numbers and task ids.",
    "- Proposed actions, least disruptive first, each as the exact tool call with its arguments and what it will do (for example task_retry {id}, instance_reboot {id, reason}, instance_start {id}, instance_hold {id, reason} to stop automation touching it while a person looks).",
    "- What to watch afterwards to know it worked.",
    "",
    "Do not call write tools until the operator agrees to the plan, and never call destructive ones (instance_terminate, instance_decommission) on your own. Every write goes through the autonomy gate: it may come back as {status: 'pending_approval', approval_request_id}; report that id, do not repeat the call, and follow it with approval_request_get.",
  ].join("\n");
};

export const triageInstancePrompt: PromptDefinition<TriageArgs, TriageContext> = {
  name: "triage_instance",
  title: "Triage an instance",
  description:
    "Diagnose one machine: embeds its current state (status, node, last heartbeat, hold and cordon, recent tasks and events) and walks the model through the read tools in order before it proposes the least disruptive fix.",
  arguments: [
    {
      name: "instance",
      description: "The instance's id or name.",
      required: true,
      complete: completeInstanceRef,
    },
  ],
  load,
  render: (_args, c) => [
    userText(summary(c)),
    embeddedJson(`nodepilot://instances/${c.instance.id}`, {
      instance: c.instance,
      node: c.node,
      recent_tasks: c.tasks.items,
      recent_events: c.events.items,
    }),
    userText(instructions(c)),
  ],
};
