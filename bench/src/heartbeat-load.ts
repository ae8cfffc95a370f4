// The heartbeat load generator, run as its own process (forked by agent.bench.ts) so the client side
// of the TLS storm does not share the server's event loop. It drives the agent library's real mTLS
// PlatformClient: one keep-alive connection and one request in flight per agent, back to back.
import { AGENT_VERSION, PlatformClient } from "@nodepilot/agent";
import type { HeartbeatRequest } from "@nodepilot/core/agent-protocol";
import { z } from "zod";

const Setup = z.strictObject({
  kind: z.literal("setup"),
  caPem: z.string(),
  agents: z.array(z.strictObject({ keyPem: z.string(), certPem: z.string(), body: z.record(z.string(), z.unknown()) })),
});
const Storm = z.strictObject({ kind: z.literal("storm"), url: z.string(), seconds: z.number().positive() });
const Message = z.discriminatedUnion("kind", [Setup, Storm, z.strictObject({ kind: z.literal("exit") })]);

export interface StormResult {
  latencies: number[];
  elapsed: number;
  errors: number;
  firstError: string | undefined;
}

let setup: z.infer<typeof Setup> | undefined;
const clients = new Map<string, PlatformClient[]>();

function clientsFor(url: string): PlatformClient[] {
  if (!setup) throw new Error("heartbeat load: storm before setup");
  const caPem = setup.caPem;
  let list = clients.get(url);
  if (!list) {
    list = setup.agents.map(
      (a) =>
        new PlatformClient({
          platformUrl: url,
          caBundlePem: caPem,
          agentVersion: AGENT_VERSION,
          credentials: { keyPem: a.keyPem, certPem: a.certPem },
        }),
    );
    clients.set(url, list);
  }
  return list;
}

async function storm(url: string, seconds: number): Promise<StormResult> {
  const list = clientsFor(url);
  const bodies = setup?.agents.map((a) => a.body) ?? [];
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  await Promise.all(
    list.map(async (client, i) => {
      for (let seq = 0; performance.now() < end; seq++) {
        const s = performance.now();
        try {
          await client.heartbeat({ ...bodies[i], seq } as HeartbeatRequest);
          latencies.push(performance.now() - s);
        } catch (err) {
          errors++;
          firstError ??= String(err);
        }
      }
    }),
  );
  return { latencies, elapsed: (performance.now() - t0) / 1000, errors, firstError };
}

process.on("message", async (raw) => {
  const msg = Message.parse(raw);
  if (msg.kind === "setup") {
    setup = msg;
    process.send?.({ kind: "ready" });
  } else if (msg.kind === "storm") {
    process.send?.({ kind: "result", result: await storm(msg.url, msg.seconds) });
  } else {
    for (const list of clients.values()) for (const c of list) c.close();
    process.disconnect();
  }
});
