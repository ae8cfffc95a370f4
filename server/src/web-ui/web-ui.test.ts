// The web UI's serving states without a browser: while the build is not there, pages answer 503 with
// a page that says so (and the API keeps serving); a build that cannot run is reported on the page
// and by ready(), never as a blank or a hang. The served UI itself is covered by web/e2e.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Logger } from "@nodepilot/core";
import { afterEach, expect, it } from "vitest";
import { mainListener } from "./listener.ts";
import { createWebUi } from "./web-ui.ts";

const logged: string[] = [];
const logger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error: (m) => {
    logged.push(m);
  },
};
let server: Server | undefined;
let dir: string | undefined;

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((ok) => (server ? server.close(() => ok()) : ok()));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it("answers pages with 503 and the reason while the API serves, when the UI cannot be built", async () => {
  // A web directory with no Next.js to build it: the build step fails with that error.
  dir = mkdtempSync(join(tmpdir(), "nodepilot-web-"));
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "not-a-next-app", private: true }));
  const web = createWebUi({ internalUrl: "http://127.0.0.1:1", logger, dir });
  const api = () => new Response(JSON.stringify({ status: "ok" }), { headers: { "content-type": "application/json" } });
  server = createServer(mainListener(api, web));
  await new Promise<void>((ok) => server!.listen(0, "127.0.0.1", ok));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const first = await fetch(`${url}/approvals`);
  expect(first.status).toBe(503);
  expect(first.headers.get("retry-after")).toBe("3");
  expect(await first.text()).toContain("The web UI is being built");
  expect((await fetch(`${url}/healthz`)).status).toBe(200);

  await expect(web.ready()).rejects.toThrow(/next/);
  const failed = await fetch(`${url}/`);
  expect(failed.status).toBe(503);
  const page = await failed.text();
  expect(page).toContain("The web UI failed to build");
  expect(page).not.toContain('http-equiv="refresh"');
  expect(logged).toContain("the web UI is unavailable");
});
