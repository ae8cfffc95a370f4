// Test fixtures for the task tests: task subjects written straight to the store (a template, a node
// with placeholder key columns, an instance), a system origin for holder calls, and counters.

// The task API is not on @nodepilot/core's index yet; tests reach it by path.
import type { EventOrigin } from "@nodepilot/core";
import { systemPrincipal } from "@nodepilot/core";
import {
  fleet_events,
  node_instances,
  node_platforms,
  node_templates,
  nodes,
  task_events,
  tasks,
} from "@nodepilot/store";
import { count, eq } from "drizzle-orm";
import type { TestFleet } from "../testing/harness.ts";

export interface Subject {
  nodeId: string;
  instanceId: string;
}

let serial = 0;

/** A node and one instance on it (status running unless told otherwise). */
export async function insertInstance(
  f: TestFleet,
  opts: { status?: "running" | "terminated" | "pending"; cordoned?: boolean } = {},
): Promise<Subject> {
  const db = f.runtime.database.db;
  const accountId = f.runtime.accountId;
  const n = ++serial;
  const [platform] = await db.select().from(node_platforms).where(eq(node_platforms.account_id, accountId)).limit(1);
  const [template] = await db
    .insert(node_templates)
    .values({ account_id: accountId, name: `task-tpl-${process.pid}-${n}`, node_platform_id: platform!.id })
    .returning();
  const [node] = await db
    .insert(nodes)
    .values({
      account_id: accountId,
      name: `task-node-${process.pid}-${n}`,
      node_template_id: template!.id,
      ssh_key_encrypted: "fixture",
      ssh_key_fingerprint: "SHA256:fixture",
      ssh_public_key: "ssh-ed25519 AAAA fixture",
      ssh_host_key_encrypted: "fixture",
      ssh_host_key_fingerprint: "SHA256:fixture-host",
    })
    .returning();
  const [instance] = await db
    .insert(node_instances)
    .values({
      account_id: accountId,
      node_id: node!.id,
      name: `i-${n}`,
      variety: "local",
      status: opts.status ?? "running",
      cordoned_at: opts.cordoned ? new Date() : null,
    })
    .returning();
  return { nodeId: node!.id, instanceId: instance!.id };
}

/** The origin a control-plane worker would pass: a system principal in the fleet's account. */
export function systemOrigin(f: TestFleet, now: Date = new Date()): EventOrigin {
  return {
    principal: systemPrincipal(f.runtime.accountId, ["fleet:admin"]),
    source: "system",
    correlationId: null,
    now,
  };
}

export async function counts(f: TestFleet) {
  const db = f.runtime.database.db;
  const accountId = f.runtime.accountId;
  const [t] = await db.select({ c: count() }).from(tasks).where(eq(tasks.account_id, accountId));
  const [e] = await db.select({ c: count() }).from(fleet_events).where(eq(fleet_events.account_id, accountId));
  const [te] = await db
    .select({ c: count() })
    .from(task_events)
    .innerJoin(tasks, eq(tasks.id, task_events.task_id))
    .where(eq(tasks.account_id, accountId));
  return { tasks: t!.c, events: e!.c, taskEvents: te!.c };
}

export async function taskRow(f: TestFleet, id: string) {
  const [row] = await f.runtime.database.db.select().from(tasks).where(eq(tasks.id, id));
  return row!;
}

export async function taskEventTypes(f: TestFleet, id: string) {
  const rows = await f.runtime.database.db
    .select()
    .from(task_events)
    .where(eq(task_events.task_id, id))
    .orderBy(task_events.seq);
  return rows.map((r) => r.type);
}

/** A collect_facts result that satisfies the command's schema. */
export const FACTS = {
  hostname: "edge-1",
  kernel: "6.8.0",
  os: "ubuntu 24.04",
  cpu: { model: "test cpu", cores: 2, architecture: "amd64" },
  memory_mb: 2048,
  disks: [{ name: "vda", size_bytes: 10_000_000_000 }],
  interfaces: [{ name: "eth0", addresses: ["10.0.0.2"], up: true }],
  modules: [],
};
