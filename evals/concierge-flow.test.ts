// The offline concierge in a real conversation on a seeded fleet, writes executed: "which instances
// are silent?" lists them through instance.list, "reboot the first one" reboots the first of them
// through instance.reboot, and each answer comes from the tool results.
import type { BaseMessage } from "@langchain/core/messages";
import { type Principal, TokenAuthenticator } from "@nodepilot/core";
import { chatTools, OFFLINE_PREFACE, OfflineChatModel, storeResolver } from "@nodepilot/graphs";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTestFleet, type TestFleet } from "../server/src/testing/harness.ts";
import { runTurn } from "./eval-runner.ts";
import { buildFleetFixture, type FleetFixture } from "./fleet-fixture.ts";

let fleet: TestFleet;
let fixture: FleetFixture;
let principal: Principal;

beforeAll(async () => {
  fleet = await createTestFleet({ startRunners: false, localWorkload: "idle" });
  fixture = await buildFleetFixture(fleet);
  principal = await new TokenAuthenticator(fleet.runtime.database.db).authenticate(fleet.tokens.admin);
}, 120_000);
afterAll(() => fleet?.close());

it("lists the silent instances, then reboots the first one it listed", async () => {
  const { runtime } = fleet;
  const operations = runtime.catalog.operations;
  const model = new OfflineChatModel({ operations, resolver: storeResolver(runtime.database.db, runtime.accountId) });
  const bound = model.bindTools(chatTools(operations));
  const messages: BaseMessage[] = [];
  const turn = (text: string) => runTurn(bound, messages, text, operations, runtime.services, principal, true);

  const listed = await turn("which instances are silent?");
  expect(listed.calls).toEqual([{ operation: "instance.list", arguments: { silent: true } }]);
  expect(listed.reply.startsWith(OFFLINE_PREFACE)).toBe(true);
  expect(listed.reply).toContain("2 instances");
  expect(listed.reply).toMatch(/\| edge-2-a \| .*\| running \|/);
  expect(listed.reply).toMatch(/\| gpu-7-a \| .*\| running \|/);
  expect(listed.reply).not.toContain("edge-1-a");

  const rebooted = await turn("reboot the first one");
  const edge2 = fixture.id("instance", "edge-2-a");
  expect(rebooted.calls).toEqual([{ operation: "instance.reboot", arguments: { id: edge2 } }]);
  expect(rebooted.reply.startsWith(OFFLINE_PREFACE)).toBe(true);
  expect(rebooted.reply).toContain("**edge-2-a**");
  expect(rebooted.reply).toContain("is rebooting");
  const after = await fleet.api("GET", `/api/v1/node_instances/${edge2}`);
  expect(after.body.data.status).toBe("rebooting");
  const tasks = await fleet.api("GET", `/api/v1/tasks?subject_id=${edge2}`);
  expect(tasks.body.data.map((t: { command: string }) => t.command)).toContain("reboot");
}, 60_000);

it("says what failed when a tool refuses", async () => {
  const { runtime } = fleet;
  const operations = runtime.catalog.operations;
  const model = new OfflineChatModel({ operations, resolver: storeResolver(runtime.database.db, runtime.accountId) });
  const messages: BaseMessage[] = [];
  const viewer = await new TokenAuthenticator(runtime.database.db).authenticate(fleet.tokens.reader);
  const bound = model.bindTools(chatTools(operations));
  const denied = await runTurn(bound, messages, "cordon gpu-7-a", operations, runtime.services, viewer, true);
  expect(denied.calls).toEqual([
    { operation: "instance.cordon", arguments: { id: fixture.id("instance", "gpu-7-a") } },
  ]);
  expect(denied.reply).toContain("failed with `forbidden`");
}, 60_000);
