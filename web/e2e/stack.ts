// The whole stack for the browser tests: a test fleet (real runtime and database) with its agent
// listener, the web UI served by the same listener code as `nodepilot start`, two people with
// passwords, a local instance running the real on-node agent, two physical instances that went
// silent, and a policy that makes the concierge ask before it reboots anything.
import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import { claimBox } from "../../server/src/testing/boxes.ts";
import { createTestFleet, type TestFleet } from "../../server/src/testing/harness.ts";
import { mainListener } from "../../server/src/web-ui/listener.ts";
import { ensureWebBuild } from "../../server/src/web-ui/web-build.ts";
import { createWebUi, type WebUi } from "../../server/src/web-ui/web-ui.ts";

export const PASSWORD = "correct horse battery staple";

export interface Stack {
  fleet: TestFleet;
  url: string;
  alice: { id: string; email: string };
  bob: { id: string; email: string };
  live: { id: string; name: string };
  silent: { id: string; name: string }[];
  close(): Promise<void>;
}

const WAIT_MS = 90_000;

async function waitFor<T>(what: string, read: () => Promise<T>, done: (v: T) => boolean): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  let last = await read();
  while (!done(last)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 250));
    last = await read();
  }
  return last;
}

export async function startStack(): Promise<Stack> {
  await ensureWebBuild();
  const fleet = await createTestFleet();
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fleet.api(method, `/api/v1${path}`, body === undefined ? {} : { body });
    if (res.status >= 300)
      throw new Error(`stack: ${method} ${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body.data;
  };
  const person = async (name: string, role: string) => {
    const email = `${name}-${randomUUID().slice(0, 8)}@example.test`;
    const u = await call("POST", "/users", { email, display_name: name, role, password: PASSWORD });
    return { id: u.id as string, email };
  };
  const alice = await person("Alice", "operator");
  const bob = await person("Bob", "admin");

  const [platform] = (await call("GET", "/node_platforms")) as { id: string }[];
  const template = await call("POST", "/node_templates", { name: "web-e2e", node_platform_id: platform!.id });
  const node = (name: string) => call("POST", "/nodes", { name, node_template_id: template.id });

  // Two boxes that heartbeated once, long enough ago to be silent.
  const silent: Stack["silent"] = [];
  for (const [name, minutes] of [
    ["rack-a", 12],
    ["rack-b", 25],
  ] as const) {
    const n = await node(name);
    const id = await claimBox(fleet.runtime, call, {
      nodeId: n.id,
      instanceName: `${name}-1`,
      hostname: `box-${name}`,
      heartbeatAt: new Date(Date.now() - minutes * 60_000),
    });
    silent.push({ id, name: `${name}-1` });
  }

  // One local instance with the real agent, which will carry out the reboot.
  await fleet.runtime.startAgentApi(0);
  const liveNode = await node("web-1");
  const made = await call("POST", "/node_instances", { node_id: liveNode.id, name: "web-1-a" });
  const live = { id: made.instance.id as string, name: "web-1-a" };
  await waitFor(
    "the local agent to heartbeat its instance to running",
    () => call("GET", `/node_instances/${live.id}`),
    (i) => i.status === "running",
  );

  await call("POST", "/autonomy/policies", {
    scope: "global",
    action_category: "instance.reboot",
    actor_type: "user",
    policy: "require_approval",
  });

  let web: WebUi | null = null;
  const server: Server = createServer((req, res) => listener(req, res));
  let listener = mainListener(fleet.runtime.app.fetch, null);
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  web = createWebUi({ internalUrl: url, logger: fleet.runtime.services.logger });
  listener = mainListener(fleet.runtime.app.fetch, web);
  await web.ready();

  return {
    fleet,
    url,
    alice,
    bob,
    live,
    silent,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((ok) => server.close(() => ok()));
      await web?.close();
      await fleet.close();
    },
  };
}
