// The test fleet's own promise: closing it leaves no local instance running. A provisioned instance
// is a detached supervisor plus its workload, which outlive the runtime by design.
import { join } from "node:path";
import { sandboxPids } from "@nodepilot/core";
import { describe, expect, it } from "vitest";
import { createTestFleet } from "./harness.ts";

const WAIT_MS = 60_000;

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function settled(fleet: Awaited<ReturnType<typeof createTestFleet>>, taskId: string) {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const task = (await fleet.api("GET", `/api/v1/tasks/${taskId}?wait_seconds=10`)).body.data.task;
    if (["succeeded", "failed", "cancelled", "expired"].includes(task.status)) return task;
    if (Date.now() > deadline) throw new Error(`task ${taskId} still ${task.status}`);
  }
}

describe("createTestFleet().close()", () => {
  it(
    "kills every process of the local instances the fleet provisioned",
    async () => {
      const fleet = await createTestFleet({ localWorkload: "idle" });
      let dir = "";
      let pids: number[] = [];
      try {
        const platforms = await fleet.api("GET", "/api/v1/node_platforms");
        const template = await fleet.api("POST", "/api/v1/node_templates", {
          body: { name: "sweep", node_platform_id: platforms.body.data[0].id },
        });
        const node = await fleet.api("POST", "/api/v1/nodes", {
          body: { name: "sweep-1", node_template_id: template.body.data.id },
        });
        const res = await fleet.api("POST", "/api/v1/node_instances", {
          body: { node_id: node.body.data.id, name: "left-running" },
        });
        expect(res.status, JSON.stringify(res.body)).toBe(202);
        expect((await settled(fleet, res.body.data.task.id)).status).toBe("succeeded");
        const cloudId = (await fleet.api("GET", `/api/v1/node_instances/${res.body.data.instance.id}`)).body.data
          .cloud_instance_id;
        dir = join(fleet.runtime.config.NODEPILOT_DATA_DIR, "instances", cloudId);
        pids = await sandboxPids(dir);
        // Supervisor and workload.
        expect(pids.length).toBeGreaterThanOrEqual(2);
      } finally {
        await fleet.close();
      }
      expect(await sandboxPids(dir)).toEqual([]);
      // The supervisor is this process's (detached) child: gone once reaped, which takes a tick.
      const alive = () => pids.filter((pid) => isRunning(pid));
      const deadline = Date.now() + 5_000;
      while (alive().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(alive()).toEqual([]);
    },
    3 * WAIT_MS,
  );
});
