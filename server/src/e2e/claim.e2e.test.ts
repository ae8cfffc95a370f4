// End to end, a box with a generic image: the real agent process (`nodepilot-agent enroll`) finds
// an identity file with SERVER and a CA but no ID/KEY, so its claim source polls the agent listener
// — which is not up yet, so it first rides out connection errors. Once the listener is up the box
// shows its claim code on stderr; the operator reads it there, as off a console, and claims the box
// over REST as a new node. The box's next poll gets its token, it enrolls, and `nodepilot-agent run`
// heartbeats the claimed instance to running.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { ensureAgentServerTls } from "@nodepilot/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { corePki } from "../agent-api/core-pki.ts";
import { type AgentListener, startAgentListener } from "../agent-api/listener.ts";
import { AGENT_BIN } from "../runtime.ts";
import { createTestFleet, type TestFleet } from "../testing/harness.ts";

// A loaded 2-core machine: each agent command starts through tsx.
const WAIT_MS = 90_000;
const MAC = "02:4e:50:00:00:07";
const DMI = "6b1f3c2a-9d4e-4f10-8a2b-3c4d5e6f7a8b";

let fleet: TestFleet;
let listener: AgentListener | undefined;
const children: ChildProcess[] = [];

interface Agent {
  child: ChildProcess;
  stderr: () => string;
  exit: Promise<number | null>;
}

function agent(args: string[], env: Record<string, string> = {}): Agent {
  const child = spawn(process.execPath, [AGENT_BIN, ...args], {
    env: { ...process.env, NODEPILOT_CLAIM_CONSOLE: "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let err = "";
  child.stderr?.on("data", (c: Buffer) => {
    err += c.toString();
  });
  child.stdout?.resume();
  const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, stderr: () => err, exit };
}

async function until<T>(what: string, read: () => T | Promise<T>, done: (v: T) => boolean): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const v = await read();
    if (done(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((ok) => probe.listen(0, "127.0.0.1", ok));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((ok) => probe.close(() => ok()));
  return port;
}

beforeAll(async () => {
  fleet = await createTestFleet({ startRunners: false });
}, WAIT_MS);
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  await listener?.close();
  await fleet?.close();
});

describe("claiming a generic-image box", () => {
  it(
    "polls through an outage, shows its code, is claimed over REST, enrolls and heartbeats",
    async () => {
      const services = fleet.runtime.services;
      const port = await freePort();
      // The CA the listener will serve (platform-wide, stored): what a generic image ships with.
      const names = ["localhost", "127.0.0.1", hostname()];
      const { caPem } = await ensureAgentServerTls(services.database.db, services.secrets, {
        hostnames: names,
        now: new Date(),
      });
      const box = await mkdtemp(join(tmpdir(), "np-claim-box-"));
      await mkdir(join(box, "sys/class/net/eth0"), { recursive: true });
      await writeFile(join(box, "sys/class/net/eth0/address"), `${MAC}\n`);
      await writeFile(join(box, "sys/class/net/eth0/type"), "1\n");
      await mkdir(join(box, "sys/class/dmi/id"), { recursive: true });
      await writeFile(join(box, "sys/class/dmi/id/product_uuid"), `${DMI.toUpperCase()}\n`);
      await writeFile(join(box, "ca.pem"), caPem);
      await writeFile(
        join(box, "identity.cfg"),
        `# generic image\nSERVER=https://127.0.0.1:${port}\nCA_PEM_FILE=ca.pem\n`,
      );
      const stateDir = join(box, "state");
      const offline = ["--cmdline-path", join(box, "no-cmdline"), "--metadata-url", "http://127.0.0.1:9"];

      const enrolling = agent([
        "enroll",
        "--identity-file",
        join(box, "identity.cfg"),
        "--sysfs-root",
        join(box, "sys"),
        "--state-dir",
        stateDir,
        ...offline,
      ]);
      // Nothing listens yet: the claim source backs off and keeps polling.
      await until("a failed claim poll", enrolling.stderr, (s) => /claim poll failed/.test(s));
      listener = await startAgentListener({
        services,
        logger: services.logger,
        pki: corePki(services),
        dataDir: fleet.runtime.config.NODEPILOT_DATA_DIR,
        host: "127.0.0.1",
        port,
        claimAccountId: fleet.runtime.accountId,
        claimPollSeconds: 1,
      });
      expect(listener.caPem).toBe(caPem);

      const shown = await until("the claim code on stderr", enrolling.stderr, (s) => /Claim code: \S{4}-\S{4}/.test(s));
      const code = /Claim code: (\S{4}-\S{4})/.exec(shown)![1]!;
      const listed = await fleet.api("GET", `/api/v1/unclaimed_devices?mac=${MAC}`, { token: fleet.tokens.reader });
      expect(listed.body.data).toEqual([
        expect.objectContaining({ status: "pending", discovered_mac: MAC, discovered_dmi_uuid: DMI }),
      ]);

      const templateId = await fleet.createTemplate("generic-image");
      const claimed = await fleet.api("POST", "/api/v1/unclaimed_devices/claim", {
        token: fleet.tokens.writer,
        body: { claim_code: code, node: { name: "rack3-07", node_template_id: templateId } },
      });
      expect(claimed.status, JSON.stringify(claimed.body)).toBe(201);
      const instanceId: string = claimed.body.data.instance.id;
      expect(claimed.body.data.instance).toMatchObject({ variety: "physical", status: "provisioning" });

      const code0 = await Promise.race([
        enrolling.exit,
        new Promise<"timeout">((r) => setTimeout(() => r("timeout"), WAIT_MS)),
      ]);
      expect(code0, enrolling.stderr()).toBe(0);
      expect(enrolling.stderr()).toContain(`claimed as instance ${instanceId}`);
      const device = await fleet.api("GET", `/api/v1/unclaimed_devices/${claimed.body.data.device.id}`);
      expect(device.body.data.status).toBe("enrolled");

      await writeFile(join(box, "boot_id"), "5d7c1a9e-0000-4000-8000-00000000c1a1\n");
      const running = agent([
        "run",
        "--state-dir",
        stateDir,
        "--boot-id-file",
        join(box, "boot_id"),
        "--cmdline-path",
        join(box, "no-cmdline"),
      ]);
      const instance = await until(
        "the claimed instance to heartbeat to running",
        async () => (await fleet.api("GET", `/api/v1/node_instances/${instanceId}`)).body.data,
        (i) => i.status === "running",
      );
      expect(instance.last_heartbeat_at).not.toBeNull();
      expect(instance.discovered_mac).toBe(MAC);
      running.child.kill("SIGTERM");
      await running.exit;
    },
    WAIT_MS * 3,
  );
});
