// The API shapes the fleet pages read (core/src/operations/event.ts, fleet-summary.ts), as the REST
// surface returns them: lists as { data, meta }, one object as { data }.

export const SEVERITIES = ["low", "medium", "high", "critical"] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface ListResponse<T> {
  data: T[];
  meta: { count: number; has_more: boolean; next_cursor: string | null };
}

export interface One<T> {
  data: T;
}

export interface FleetEvent {
  id: string;
  seq: number;
  kind: string;
  severity: Severity;
  payload: Record<string, unknown>;
  correlation_id: string | null;
  fingerprint: string | null;
  source: string;
  actor_type: string;
  actor_id: string | null;
  subject_type: string | null;
  subject_id: string | null;
  node_id: string | null;
  node_instance_id: string | null;
  node_module_id: string | null;
  module_version_id: string | null;
  task_id: string | null;
  cve_id: string | null;
  certificate_id: string | null;
  instance_pool_id: string | null;
  emitted_at: string;
  created_at: string;
}

export const INSTANCE_STATES = [
  "pending",
  "provisioning",
  "starting",
  "running",
  "stopping",
  "stopped",
  "rebooting",
  "terminating",
  "terminated",
  "error",
] as const;
export type InstanceState = (typeof INSTANCE_STATES)[number];

export interface FleetSummary {
  nodes: { total: number; enabled: number; disabled: number };
  instances: { total: number; by_status: Record<InstanceState, number>; silent: number };
  silent_rule: { threshold_seconds: number; boot_grace_seconds: number };
  tasks: { active: number; by_status: Record<string, number> };
  approvals: { pending: number };
  last_event_seq: number;
  as_of: string;
}
