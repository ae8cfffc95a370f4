// plan_module_upgrade: "move module X to version Y" as a planning job for a model. It embeds the
// module, its versions (current, target, promotion state, artifacts, pins), its dependency edges and
// how many nodes it is assigned to, then has the model diff, check and measure before writing an
// ordered plan of tool calls — and change nothing until the operator agrees.
import { completeModuleRef, completeVersionOf } from "./completers.ts";
import { resolveModuleId, resolveVersionId } from "./lookups.ts";
import { clip, type PromptDefinition, relative, userText } from "./prompt-definition.ts";
import type { SessionReads } from "./session-reads.ts";

const VERSIONS_SHOWN = 20;
const ASSIGNMENTS_READ = 200;

interface Module {
  id: string;
  name: string;
  variety: string;
  enabled: boolean;
  auto_promote: boolean;
  reboot_required: boolean;
  lock_spec: boolean;
  node_platform_id: string | null;
  trust_policy: Record<string, unknown> | null;
  current_version_id: string | null;
  [field: string]: unknown;
}

interface Version {
  id: string;
  version_number: number;
  source_version: string | null;
  promotion_state: string;
  current: boolean;
  publish_error: string | null;
  changelog: string | null;
  created_at: string;
  pinned_in: { environment_id: string; environment_name: string }[];
  artifacts: { architecture: string; oci_digest: string }[];
  [field: string]: unknown;
}

interface Dependency {
  module_name: string;
  dependency_name: string;
  dependency_type: string;
  version_constraint: string | null;
}

interface Page<T> {
  items: T[];
  has_more: boolean;
}

export interface UpgradeContext {
  now: Date;
  module: Module;
  versions: Page<Version>;
  current: Version | null;
  target: Version | null;
  /** Whether the operator named the target, or it was picked as the newest newer version. */
  target_requested: boolean;
  dependencies: Dependency[];
  dependants: Dependency[];
  assigned_nodes: number;
  assigned_more: boolean;
}

type UpgradeArgs = {
  module: string;
  target_version?: string;
};

async function load(args: UpgradeArgs, reads: SessionReads): Promise<UpgradeContext> {
  const id = await resolveModuleId(reads, "module", args.module);
  const module = await reads.read<Module>("module_get", { id });
  const versions = await reads.read<Page<Version>>("module_version_list", {
    node_module_id: id,
    limit: VERSIONS_SHOWN,
  });
  const byId = async (versionId: string | null) =>
    !versionId
      ? null
      : (versions.items.find((v) => v.id === versionId) ??
        (await reads.read<Version>("module_version_get", { id: versionId })));
  const current = await byId(module.current_version_id);
  let target: Version | null;
  if (args.target_version) {
    target = await byId(await resolveVersionId(reads, "target_version", id, args.target_version));
  } else {
    // The newest version past the current one that can still ship; drafts count (publishing is part of the plan).
    target =
      versions.items.find(
        (v) =>
          (!current || v.version_number > current.version_number) &&
          v.promotion_state !== "retired" &&
          v.promotion_state !== "deprecated",
      ) ?? null;
  }
  const edges = await reads.read<{ dependencies: Dependency[]; dependants: Dependency[] }>("module_dependencies", {
    id,
  });
  const assignments = await reads.read<Page<{ node_id: string }>>("assignment_list", {
    node_module_id: id,
    enabled: true,
    limit: ASSIGNMENTS_READ,
  });
  return {
    now: reads.now,
    module,
    versions,
    current,
    target,
    target_requested: Boolean(args.target_version),
    dependencies: edges.dependencies,
    dependants: edges.dependants,
    assigned_nodes: new Set(assignments.items.map((a) => a.node_id)).size,
    assigned_more: assignments.has_more,
  };
}

const label = (v: Version) => `v${v.version_number}${v.source_version ? ` (${v.source_version})` : ""}`;

function versionLine(c: UpgradeContext, v: Version): string {
  const marks = [
    v.promotion_state,
    v.current ? "CURRENT" : "",
    v.id === c.target?.id ? "TARGET" : "",
    v.pinned_in.length ? `pinned in ${v.pinned_in.map((p) => p.environment_name).join(", ")}` : "",
    `artifacts: ${v.artifacts.map((a) => a.architecture).join(", ") || "none"}`,
  ].filter(Boolean);
  const error = v.publish_error ? `; last publish refused: ${clip(v.publish_error, 160)}` : "";
  return `- ${label(v)} id ${v.id}, created ${relative(c.now, v.created_at)}: ${marks.join("; ")}${error}`;
}

function summary(c: UpgradeContext): string {
  const m = c.module;
  const from = c.current ? label(c.current) : "no current version";
  const to = c.target
    ? label(c.target)
    : c.target_requested
      ? "the requested version"
      : "no newer version (ask the operator which version, or whether a new draft should be made)";
  const edge = (d: Dependency, name: string) =>
    `${d.dependency_type} ${name}${d.version_constraint ? ` ${d.version_constraint}` : ""}`;
  return [
    `Plan an upgrade of the Nodepilot module ${m.name} (id ${m.id}) from ${from} to ${to}.`,
    "",
    `Module: ${m.variety}, ${m.enabled ? "enabled" : "DISABLED"}, auto_promote ${m.auto_promote} (publishing moves the current version), reboot_required ${m.reboot_required}, lock_spec ${m.lock_spec}, trust policy ${m.trust_policy ? "set" : "MISSING (publish will be refused)"}.`,
    `Assigned (enabled) to ${c.assigned_nodes}${c.assigned_more ? "+" : ""} node(s).`,
    "",
    `Versions, newest first${c.versions.has_more ? ` (the newest ${c.versions.items.length})` : ""}:`,
    ...c.versions.items.map((v) => versionLine(c, v)),
    ...(c.current && !c.versions.items.some((v) => v.id === c.current!.id) ? [versionLine(c, c.current)] : []),
    ...(c.target && !c.versions.items.some((v) => v.id === c.target!.id) ? [versionLine(c, c.target)] : []),
    ...(c.target?.changelog ? ["", `Target changelog: ${clip(c.target.changelog, 600)}`] : []),
    "",
    "Dependencies:",
    ...(c.dependencies.length ? c.dependencies.map((d) => `- ${edge(d, d.dependency_name)}`) : ["- none"]),
    "Depended on by:",
    ...(c.dependants.length ? c.dependants.map((d) => `- ${d.module_name} ${edge(d, m.name)}`) : ["- none"]),
    "",
    "The module and its versions as JSON:",
    JSON.stringify({ module: c.module, current: c.current, target: c.target }),
  ].join("\n");
}

function instructions(c: UpgradeContext): string {
  const id = c.module.id;
  const tgt = c.target ? `"${c.target.id}"` : "<target version id>";
  const diff = c.current
    ? `1. Diff the two versions: module_version_get {id: "${c.current.id}"} and module_version_get {id: ${tgt}}. Compare file_spec, package_spec, dependency_spec, protected_spec, config and manifest, and say what changes on the machines`
    : `1. Read the target: module_version_get {id: ${tgt}}. There is no current version, so this is a first rollout: everything in its file_spec, package_spec, config and manifest is new to the machines`;
  return [
    "Write an upgrade plan; change nothing while you plan. Use the Nodepilot tools in this order:",
    `${diff} (reboot_required means instances reboot to apply it).`,
    "2. Check the target can ship: a draft must pass module_version_publish's gates (a trust policy; one artifact per architecture of the module's platform, with a sha256 digest, an fs-verity root hash and a valid signature); publish_error shows the last refusal. The artifacts must cover every architecture the assigned instances run.",
    `3. Check compatibility: module_dependencies {id: "${id}"}. Every requires and conflicts edge with a version constraint must still hold for the target, for its dependencies and its dependants.`,
    `4. Measure the blast radius: assignment_list {node_module_id: "${id}", enabled: true} for the nodes, then instance_list {node_id, status: ["running"]} per node. running_module_digests["${id}"] on each instance is the digest it runs; match it against the versions' artifacts to see who runs what. Environments in pinned_in stay on their pinned version whatever the current version is.`,
    '5. Look for trouble already in flight: event_list {kind: "module.*"} and event_list {kind: "module_version.*"} for refused publishes and recent changes, approval_request_list {status: ["pending"]} for waiting decisions on this module.',
    "",
    "Then answer with the plan:",
    "- Summary: from → to, what changes, the risk (low, medium, high) and why.",
    "- Preconditions, each with the check that proves it.",
    `- Steps as exact tool calls in order, e.g. module_version_publish {id: ${tgt}} for a draft (with auto_promote the current version moves on success and following instances converge to it), and how to watch convergence (instance_get / instance_list digests, event_list).`,
    "- Rollback: the version to return to and what it takes. Nodepilot has no rollback or promote tool yet, so say what the operator would have to do.",
    "",
    "Do not call write tools until the operator approves the plan. Every write goes through the autonomy gate and may come back as {status: 'pending_approval', approval_request_id}: report it, do not repeat the call.",
  ].join("\n");
}

export const planModuleUpgradePrompt: PromptDefinition<UpgradeArgs, UpgradeContext> = {
  name: "plan_module_upgrade",
  title: "Plan a module upgrade",
  description:
    "Plan moving a module to a newer version: embeds the module, its versions (current, target, state, artifacts, pins), dependency edges and assignment count, and has the model diff, check gates and compatibility, and measure the blast radius before writing ordered tool calls. Changes nothing.",
  arguments: [
    { name: "module", description: "The module's name or id.", required: true, complete: completeModuleRef },
    {
      name: "target_version",
      description:
        "The version to move to: its number (3 or v3), source version or id. Defaults to the newest version after the current one.",
      required: false,
      complete: completeVersionOf("module"),
    },
  ],
  load,
  render: (_args, c) => [userText(summary(c)), userText(instructions(c))],
};
