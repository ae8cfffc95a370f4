// The task command registry (spec/domain.md §1.3): each command fixes its executor, subject type,
// payload and result schemas, attempts, lease TTL and timeout. Producers and executors share it, so
// a payload is parsed the same way when it is created, when it is leased and when its result lands.
import type { TASK_SUBJECT_TYPES } from "@nodepilot/store";
import { z } from "zod";
import type { Scope } from "../auth/scopes.ts";
import { invalidInput } from "../errors.ts";
import { Timestamp, Uuid } from "../schemas/common.ts";

export type TaskSubjectType = (typeof TASK_SUBJECT_TYPES)[number];
export type TaskExecutor = "agent" | "control_plane";

export interface TaskCommand {
  name: string;
  executor: TaskExecutor;
  subjectType: TaskSubjectType;
  /** Strict: an unknown payload key is invalid_input. */
  payload: z.ZodObject;
  result: z.ZodType;
  maxAttempts: number;
  leaseTtlSeconds: number;
  /** The longest run across renewals; the reaper fails a running task past it. */
  timeoutSeconds: number;
  /** Needed by task.create (and task.retry) on top of the operation's own scope. */
  scope: Scope;
  /** The holder's complete leaves the task running; a finalizer (a heartbeat) settles it. */
  deferredCompletion?: boolean;
}

const Empty = z.strictObject({});
const ShortText = z.string().min(1).max(500);
const HexSha1 = z.string().regex(/^[0-9a-f]{40}$/, "must be a 40-character lower-case hex git SHA");
const HexSha256 = z.string().regex(/^[0-9a-f]{64}$/, "must be a 64-character lower-case hex SHA-256");
const ServiceName = z.string().regex(/^[A-Za-z0-9@._:-]{1,255}$/, "must be a systemd unit name");
const UnixUser = z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/, "must be a unix user name");
const ScriptId = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,99}$/, "must be an allow-listed script id");
const Tail = z.string().max(65_536);
const ProviderInstanceStatus = z.enum([
  "pending",
  "starting",
  "running",
  "stopping",
  "stopped",
  "rebooting",
  "terminating",
  "terminated",
  "failed",
  "unknown",
]);

/** What a provider reported after a control-plane instance call (spec/domain.md §4.2). */
const InstanceOutcome = z.strictObject({
  cloud_instance_id: z.string().min(1).max(255),
  status: ProviderInstanceStatus,
  private_ip: z.string().max(64).nullable().optional(),
  public_ip: z.string().max(64).nullable().optional(),
  zone_code: z.string().max(64).nullable().optional(),
  instance_type_code: z.string().max(128).nullable().optional(),
});

const Facts = z.strictObject({
  hostname: z.string().min(1).max(253),
  kernel: z.string().max(255),
  os: z.string().max(255),
  cpu: z.strictObject({
    model: z.string().max(255),
    cores: z.number().int().min(1),
    architecture: z.enum(["amd64", "arm64"]),
  }),
  memory_mb: z.number().int().min(0),
  disks: z
    .array(
      z.strictObject({
        name: z.string().min(1).max(255),
        size_bytes: z.number().int().min(0),
        mountpoint: z.string().max(4096).nullable().optional(),
        fs_type: z.string().max(64).nullable().optional(),
      }),
    )
    .max(256),
  interfaces: z
    .array(
      z.strictObject({
        name: z.string().min(1).max(64),
        mac: z.string().max(64).nullable().optional(),
        addresses: z.array(z.string().max(64)).max(64),
        up: z.boolean(),
      }),
    )
    .max(256),
  modules: z
    .array(
      z.strictObject({
        module_id: Uuid,
        module_version_id: Uuid.nullable().optional(),
        digest: z.string().max(200).nullable().optional(),
        mounted: z.boolean(),
      }),
    )
    .max(1000),
});

const ModuleFailure = z.strictObject({
  module_id: Uuid,
  error_code: z.string().max(100),
  message: z.string().max(2000),
});

/** The seven fixed, read-only collectors of probe.node_inspect. */
export const NODE_INSPECT_COLLECTORS = ["system", "cpu", "memory", "disks", "network", "services", "journal"] as const;
const Collector = z.strictObject({
  ok: z.boolean(),
  data: z.record(z.string(), z.unknown()),
  error: z.string().max(2000).optional(),
});

const catalogCounts = z.strictObject({
  created: z.number().int().min(0),
  updated: z.number().int().min(0),
  unavailable: z.number().int().min(0),
});

type Spec = Omit<TaskCommand, "maxAttempts" | "leaseTtlSeconds" | "timeoutSeconds" | "scope"> &
  Partial<Pick<TaskCommand, "maxAttempts" | "leaseTtlSeconds" | "timeoutSeconds" | "scope">>;

// Registry defaults from §1.3: 3 attempts, a 120 s lease, a 3600 s run, fleet:write.
const command = (s: Spec): TaskCommand => ({
  maxAttempts: 3,
  leaseTtlSeconds: 120,
  timeoutSeconds: 3600,
  scope: "fleet:write",
  ...s,
});

const agent = (s: Omit<Spec, "executor" | "subjectType">) =>
  command({ ...s, executor: "agent", subjectType: "node_instance" });
const controlPlane = (s: Omit<Spec, "executor" | "subjectType">) =>
  command({ ...s, executor: "control_plane", subjectType: "node_instance", timeoutSeconds: s.timeoutSeconds ?? 900 });

export const TASK_COMMANDS: readonly TaskCommand[] = [
  agent({ name: "collect_facts", payload: Empty, result: Facts }),
  agent({
    name: "sync_modules",
    payload: z.strictObject({ module_id: Uuid.optional(), force_resync: z.boolean().optional() }),
    result: z.strictObject({
      attached: z.array(Uuid),
      detached: z.array(Uuid),
      reattached: z.array(Uuid),
      failed: z.array(ModuleFailure),
    }),
  }),
  agent({
    name: "apply_config",
    payload: Empty,
    // A module that did not converge fails the task: the agent reports it with `fail`, never as a result.
    result: z.strictObject({
      converged: z.array(Uuid),
      not_converged: z.array(Uuid).max(0, "apply_config fails if any module did not converge: report it with fail"),
    }),
  }),
  agent({
    name: "reboot",
    payload: z.strictObject({ reason: ShortText }),
    // The agent completes with the boot it is leaving; the heartbeat's finalizer adds the new one.
    result: z.strictObject({
      previous_boot_id: z.string().min(1).max(200).optional(),
      boot_id: z.string().min(1).max(200).optional(),
    }),
    maxAttempts: 1,
    timeoutSeconds: 900,
    deferredCompletion: true,
  }),
  agent({
    name: "restart_service",
    payload: z.strictObject({ module_id: Uuid, service: ServiceName }),
    result: z.strictObject({ restarted: z.boolean(), health: z.enum(["healthy", "unhealthy", "unknown"]) }),
  }),
  agent({
    name: "run_script",
    payload: z.strictObject({
      script_id: ScriptId,
      args: z.array(z.string().max(4096)).max(64).default([]),
      as_user: UnixUser.optional(),
      timeout_seconds: z.number().int().min(1).max(3600).default(300),
    }),
    result: z.strictObject({ exit_code: z.number().int(), stdout_tail: Tail, stderr_tail: Tail }),
    maxAttempts: 1,
    // The script's own limit is up to 3600 s; the task allows for starting and reporting around it.
    timeoutSeconds: 3900,
    scope: "fleet:admin",
  }),
  agent({
    name: "upgrade_boot_image",
    payload: z.strictObject({
      target_git_sha: HexSha1,
      oci_ref: z.string().min(1).max(1024),
      sha256: HexSha256,
      signature_bundle_b64: z
        .string()
        .min(1)
        .max(1_000_000)
        .regex(/^[A-Za-z0-9+/]+={0,2}$/, "must be base64"),
    }),
    result: z.strictObject({ previous_git_sha: HexSha1.optional(), booted_git_sha: HexSha1.optional() }),
    maxAttempts: 1,
    leaseTtlSeconds: 1800,
    deferredCompletion: true,
  }),
  agent({
    name: "renew_certificate",
    payload: Empty,
    result: z.strictObject({ certificate_id: Uuid, not_after: Timestamp }),
  }),
  agent({
    name: "probe.module_smoke",
    payload: z.strictObject({ module_id: Uuid }),
    result: z.strictObject({ unit_active: z.boolean(), health_ok: z.boolean(), library_closure_ok: z.boolean() }),
  }),
  agent({
    name: "probe.node_inspect",
    payload: Empty,
    result: z.strictObject({
      collectors: z.strictObject(
        Object.fromEntries(NODE_INSPECT_COLLECTORS.map((c) => [c, Collector])) as Record<
          (typeof NODE_INSPECT_COLLECTORS)[number],
          typeof Collector
        >,
      ),
    }),
  }),
  controlPlane({
    name: "provision",
    payload: z.strictObject({
      provider_region_id: Uuid,
      instance_type_id: Uuid,
      image_id: Uuid.optional(),
      zone_code: z.string().min(1).max(64).optional(),
      spot: z.boolean().optional(),
    }),
    result: InstanceOutcome,
    timeoutSeconds: 1800,
  }),
  controlPlane({ name: "start", payload: Empty, result: InstanceOutcome }),
  controlPlane({ name: "stop", payload: z.strictObject({ force: z.boolean().optional() }), result: InstanceOutcome }),
  controlPlane({ name: "power_cycle", payload: Empty, result: InstanceOutcome }),
  controlPlane({
    name: "terminate",
    payload: z.strictObject({ release_ips: z.boolean().default(true) }),
    result: z.strictObject({
      cloud_instance_id: z.string().max(255).nullable().optional(),
      terminated: z.literal(true),
      released_ips: z.array(z.string().max(64)).optional(),
    }),
    scope: "fleet:admin",
  }),
  controlPlane({
    name: "decommission",
    payload: z.strictObject({ drain_timeout_seconds: z.number().int().min(0).max(3600).default(600) }),
    result: z.strictObject({
      drained: z.boolean(),
      waited_seconds: z.number().min(0),
      detached_volumes: z.array(z.string().max(255)).optional(),
      released_ips: z.array(z.string().max(64)).optional(),
      terminated: z.literal(true),
    }),
    timeoutSeconds: 2400,
    scope: "fleet:admin",
  }),
  command({
    name: "catalog.sync",
    executor: "control_plane",
    subjectType: "provider_connection",
    payload: Empty,
    result: z.strictObject({
      regions: catalogCounts,
      zones: catalogCounts,
      instance_types: catalogCounts,
      region_instance_types: catalogCounts,
      images: catalogCounts,
      volume_types: catalogCounts,
    }),
    timeoutSeconds: 1800,
  }),
];

const byName = new Map(TASK_COMMANDS.map((c) => [c.name, c]));

export const TASK_COMMAND_NAMES = TASK_COMMANDS.map((c) => c.name);

/** The registry entry for a command; an unknown command is invalid_input naming `command`. */
export function getCommand(name: string): TaskCommand {
  const cmd = byName.get(name);
  if (!cmd) {
    throw invalidInput(`unknown task command "${name}"`, [
      { path: "command", message: `must be one of: ${TASK_COMMAND_NAMES.join(", ")}` },
    ]);
  }
  return cmd;
}

/**
 * Agent commands run on an instance; a node subject is also accepted, and is leased by that node's
 * only live instance (spec/domain.md §2.2 "Agent scope").
 */
export function acceptsSubject(cmd: TaskCommand, subjectType: TaskSubjectType): boolean {
  return cmd.subjectType === subjectType || (cmd.executor === "agent" && subjectType === "node");
}
