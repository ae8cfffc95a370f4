// The raw `pg` baselines: the SQL each benchmarked operation amounts to, written by hand, run on
// the same database in the same run, so a ratio compares our stack with the bare database work.
import { randomUUID } from "node:crypto";
import type pg from "pg";

async function inTx<T>(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const c = await pool.connect();
  try {
    await c.query("BEGIN");
    const out = await fn(c);
    await c.query("COMMIT");
    return out;
  } catch (err) {
    await c.query("ROLLBACK").catch(() => {});
    throw err;
  } finally {
    c.release();
  }
}

async function event(c: pg.PoolClient, accountId: string, kind: string, subjectId: string, taskId: string | null) {
  const seq = await c.query("UPDATE accounts SET event_seq = event_seq + 1 WHERE id = $1 RETURNING event_seq", [
    accountId,
  ]);
  await c.query(
    `INSERT INTO fleet_events (id, account_id, seq, kind, severity, payload, source, actor_type, actor_id,
       subject_type, subject_id, node_instance_id, task_id, emitted_at)
     VALUES ($1, $2, $3, $4, 'low', '{}', 'api', 'user', 'bench', 'node_instance', $5, $5, $6, now())`,
    [randomUUID(), accountId, seq.rows[0].event_seq, kind, subjectId, taskId],
  );
}

async function task(c: pg.PoolClient, accountId: string, instanceId: string, command: string) {
  const taskId = randomUUID();
  await c.query(
    `INSERT INTO tasks (id, account_id, subject_type, subject_id, command, payload, executor, payload_sha256,
       max_attempts, expires_at, initiated_by_type, initiated_by_id)
     VALUES ($1, $2, 'node_instance', $3, $4, '{}', 'control_plane', 'x', 3, now() + interval '48 hours', 'user', 'bench')`,
    [taskId, accountId, instanceId, command],
  );
  await c.query("INSERT INTO task_events (id, task_id, seq, type) VALUES ($1, $2, 1, 'created')", [
    randomUUID(),
    taskId,
  ]);
  return taskId;
}

export interface Placement {
  accountId: string;
  nodeId: string;
  connectionId: string;
  regionId: string;
  instanceTypeId: string;
}

/** instance.provision: read the node, insert the instance, its event, the task and its events. */
export function rawProvision(pool: pg.Pool, p: Placement, name: string) {
  return inTx(pool, async (c) => {
    await c.query("SELECT id, enabled, environment_id FROM nodes WHERE id = $1 AND account_id = $2", [
      p.nodeId,
      p.accountId,
    ]);
    const id = randomUUID();
    await c.query(
      `INSERT INTO node_instances (id, account_id, node_id, name, variety, status, provider_connection_id,
         provider_region_id, instance_type_id) VALUES ($1, $2, $3, $4, 'local', 'pending', $5, $6, $7)`,
      [id, p.accountId, p.nodeId, name, p.connectionId, p.regionId, p.instanceTypeId],
    );
    await event(c, p.accountId, "instance.created", id, null);
    const taskId = await task(c, p.accountId, id, "provision");
    await event(c, p.accountId, "task.created", id, taskId);
  });
}

/** instance.stop: lock-free read, versioned update, the task, and both events. */
export function rawStop(pool: pg.Pool, accountId: string, instanceId: string) {
  return inTx(pool, async (c) => {
    const cur = await c.query("SELECT status, version, hold FROM node_instances WHERE id = $1 AND account_id = $2", [
      instanceId,
      accountId,
    ]);
    const r = await c.query(
      "UPDATE node_instances SET status = 'stopping', status_changed_at = now(), version = version + 1 WHERE id = $1 AND version = $2",
      [instanceId, cur.rows[0].version],
    );
    if (r.rowCount !== 1) throw new Error("lost the race");
    await event(c, accountId, "instance.transitioned", instanceId, null);
    const taskId = await task(c, accountId, instanceId, "stop");
    await event(c, accountId, "task.created", instanceId, taskId);
  });
}

/** instance.list first page: the same keyset query the operation runs. */
export function rawList(pool: pg.Pool, accountId: string, status?: string) {
  return pool.query(
    `SELECT * FROM node_instances WHERE account_id = $1 ${status ? "AND status = $2" : ""}
     ORDER BY created_at, id LIMIT 51`,
    status ? [accountId, status] : [accountId],
  );
}
