// `nodepilot start` as a real process on embedded defaults: healthy within 10 s, prints the admin
// token once, and keeps its data across a restart.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const BIN = fileURLToPath(new URL("../bin/nodepilot.mjs", import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), "nodepilot-start-"));
const children: ChildProcess[] = [];

afterAll(() => {
  for (const c of children) c.kill("SIGKILL");
  rmSync(dataDir, { recursive: true, force: true });
});

async function start(): Promise<{ child: ChildProcess; url: string; stdout: () => string; startedMs: number }> {
  const t0 = Date.now();
  const child = spawn(process.execPath, [BIN, "start"], {
    env: {
      ...process.env,
      PORT: "0",
      NODEPILOT_AGENT_PORT: "0",
      NODEPILOT_DATA_DIR: dataDir,
      DATABASE_URL: "",
      LOG_LEVEL: "warn",
      // The API is what is under test; the web UI would build in the background (web-ui.test.ts covers it).
      NODEPILOT_WEB: "off",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let out = "";
  let err = "";
  child.stdout!.on("data", (d) => {
    out += d;
  });
  child.stderr!.on("data", (d) => {
    err += d;
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listen line after 20 s:\n${out}\n${err}`)), 20_000);
    child.stdout!.on("data", () => {
      const m = /nodepilot listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once("exit", (code) => reject(new Error(`exited ${code}:\n${out}\n${err}`)));
  });
  for (;;) {
    const res = await fetch(`${url}/healthz`).catch(() => undefined);
    if (res?.ok) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, url, stdout: () => out, startedMs: Date.now() - t0 };
}

async function stop(child: ChildProcess) {
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  await exited;
}

describe("nodepilot start", () => {
  it("serves /healthz within 10 s, prints the admin token once, and keeps data across a restart", async () => {
    const first = await start();
    expect(first.startedMs).toBeLessThan(10_000);
    const token = readFileSync(join(dataDir, "admin-token"), "utf8").trim();
    expect(token).toMatch(/^npt_[A-Za-z0-9_-]{43}$/);
    expect(statSync(join(dataDir, "admin-token")).mode & 0o777).toBe(0o600);
    expect(first.stdout()).toContain(token);
    const health = await (await fetch(`${first.url}/healthz`)).json();
    expect(health).toMatchObject({ status: "ok", database: "embedded" });

    const auth = { authorization: `Bearer ${token}`, "content-type": "application/json" };
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${first.url}${path}`, { method: "POST", headers: auth, body: JSON.stringify(body) });
      expect(res.status, path).toBe(201);
      return ((await res.json()) as any).data;
    };
    const platforms = (await (await fetch(`${first.url}/api/v1/node_platforms`, { headers: auth })).json()) as any;
    const template = await post("/api/v1/node_templates", { name: "base", node_platform_id: platforms.data[0].id });
    const node = await post("/api/v1/nodes", { name: "survivor", node_template_id: template.id });
    await stop(first.child);

    const second = await start();
    expect(second.stdout()).not.toContain(token);
    const again = await fetch(`${second.url}/api/v1/nodes/${node.id}`, { headers: auth });
    expect(again.status).toBe(200);
    expect(((await again.json()) as any).data.name).toBe("survivor");
    await stop(second.child);
  });
});
