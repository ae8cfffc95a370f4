// One validated heartbeat waiting for its batch, and what its batch answers.
import type { HeartbeatRequest } from "@nodepilot/core/agent-protocol";

export interface HeartbeatEntry {
  accountId: string;
  instanceId: string;
  body: HeartbeatRequest;
  now: Date;
  requestId: string | null;
}

export interface HeartbeatResult {
  instanceId: string;
  nodeId: string;
  renewed: { task_id: string; lease_expires_at: string }[];
  lost: { task_id: string; reason: string }[];
  tasksPending: number;
  assignmentsRevision: string;
}
