// The API shapes the node and instance pages read (core/src/operations/node.ts, instance.ts,
// task.ts, template.ts; core/src/instances/instance-schema.ts; core/src/tasks/task-output.ts).
import type { InstanceState } from "../fleet/types";

export interface NodeOut {
  id: string;
  name: string;
  description: string;
  enabled: boolean;
  node_template_id: string;
  environment_id: string | null;
  public_address: string | null;
  allocate_public_ip: boolean;
  config: { authorized_keys?: string[]; hostname?: string; labels?: Record<string, string> };
  ssh_key_type: string;
  ssh_public_key: string;
  ssh_key_fingerprint: string;
  ssh_host_key_fingerprint: string;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface TemplateOut {
  id: string;
  name: string;
  version: number;
  environment_id: string | null;
}

export interface InstanceOut {
  id: string;
  node_id: string;
  name: string;
  variety: "cloud" | "physical" | "local";
  status: InstanceState;
  status_changed_at: string;
  status_reason: string | null;
  architecture: "amd64" | "arm64";
  network_profile: string;
  provider_connection_id: string | null;
  cloud_instance_id: string | null;
  boot_mode: string | null;
  environment_id: string | null;
  private_ip: string | null;
  public_ip: string | null;
  vpn_ip: string | null;
  mac_address: string | null;
  last_heartbeat_at: string | null;
  agent_version: string | null;
  boot_id: string | null;
  booted_image_git_sha: string | null;
  running_module_digests: Record<string, string>;
  capabilities: string[];
  discovered_hostname: string | null;
  hold: { by: string; reason: string; at: string } | null;
  cordoned_at: string | null;
  version: number;
  created_at: string;
  updated_at: string;
}

export const TASK_STATES = ["pending", "leased", "running", "succeeded", "failed", "cancelled", "expired"] as const;
export type TaskState = (typeof TASK_STATES)[number];

export interface TaskOut {
  id: string;
  subject_type: string;
  subject_id: string;
  command: string;
  status: TaskState;
  progress: number;
  attempt: number;
  max_attempts: number;
  started_at: string | null;
  completed_at: string | null;
  cancel_reason: string | null;
  error_code: string | null;
  error_message: string | null;
  initiated_by_type: string;
  approval_request_id: string | null;
  correlation_id: string | null;
  created_at: string;
  updated_at: string;
}
