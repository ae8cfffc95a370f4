// Simulated command handlers for the fleet simulator: the agent's task loop runs them exactly as it
// runs the real ones, but they touch nothing on this machine and answer with results that satisfy
// the command's registered result schema. Faults: a failing handler and a hanging one.
import { HandlerError, type TaskHandler } from "@nodepilot/agent";
import { z } from "zod";
import type { Faults } from "./faults.ts";

export interface SimHandlerOptions {
  faults: Faults;
  rng: () => number;
  hostname: string;
  /** How long a simulated task works before it answers. */
  workMs: number;
  /** A simulated reboot: the agent starts a new boot; returns the boot id it left. */
  reboot: () => string;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const t = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(t);
        reject(signal.reason);
      },
      { once: true },
    );
  });

function simulated(
  command: string,
  payload: z.ZodType,
  result: () => Record<string, unknown>,
  o: SimHandlerOptions,
): TaskHandler {
  return {
    command,
    payload,
    idempotent: true,
    async run({ signal }) {
      const roll = o.rng();
      if (roll < o.faults.hang_tasks) {
        // Hang until the lease dies (or the run ends): the platform must notice on its own.
        await new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason), { once: true }));
      }
      await sleep(o.workMs, signal);
      if (roll < o.faults.hang_tasks + o.faults.fail_tasks) {
        throw new HandlerError("sim_injected_failure", `simulated ${command} failure (fail_tasks fault)`, true);
      }
      return result();
    },
  };
}

export function simHandlers(o: SimHandlerOptions): Map<string, TaskHandler> {
  const facts = () => ({
    hostname: o.hostname,
    kernel: "6.1.0-sim",
    os: "Nodepilot simulated node",
    cpu: { model: "simulated vCPU", cores: 2, architecture: "amd64" },
    memory_mb: 2048,
    disks: [{ name: "/dev/simda", size_bytes: 20 * 1024 ** 3, mountpoint: "/persist", fs_type: "ext4" }],
    interfaces: [{ name: "eth0", mac: null, addresses: ["10.0.0.2"], up: true }],
    modules: [],
  });
  const list = [
    simulated("collect_facts", z.strictObject({}), facts, o),
    simulated(
      "sync_modules",
      z.strictObject({ module_id: z.string().optional(), force_resync: z.boolean().optional() }),
      () => ({ attached: [], detached: [], reattached: [], failed: [] }),
      o,
    ),
    simulated("apply_config", z.strictObject({}), () => ({ converged: [], not_converged: [] }), o),
    // Completes with the boot it leaves; the next heartbeat carries the new boot id, which settles
    // the instance's reboot on the platform (deferred completion), as a real machine's would.
    simulated("reboot", z.strictObject({ reason: z.string() }), () => ({ previous_boot_id: o.reboot() }), o),
  ];
  return new Map(list.map((h) => [h.command, h]));
}
