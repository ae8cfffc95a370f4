// The drift queue in Chromium (spec/ui.md §5 "Drift queue"): real sensor ticks over seeded instances
// make module drift on two instances and storage drift on a third; Alice snoozes one with a reason
// (keyboard only), filters by status and reloads, remediates two at once under a policy that gates
// module.sync — one approval card, one request with both instances in its blast radius — and the
// rows follow the approval and the remediation's tasks live; a clearing auto-resolves a row, she
// takes the storage item and resolves it, and the dashboard panel lists the oldest active items.
// Every step is checked with axe; the run fails on any console error.
import type { Browser, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAutonomyRunner } from "../../server/src/jobs/autonomy-tick.ts";
import { insertInstance } from "../../server/src/rest/task-fixtures.ts";
import {
  failStorageAssignment,
  pendingApprovals,
  renameInstance,
  reportRunningModules,
  snoozeUntil,
} from "../../server/src/testing/drift-fixtures.ts";
import { collectPageErrors, launchBrowser, screenshot, seriousViolations } from "./browser.ts";
import { PASSWORD, type Stack, startStack } from "./stack.ts";

let stack: Stack;
let browser: Browser;
let page: Page;
let errors: string[];
let tick: () => Promise<void>;
const drift: Record<"a" | "b" | "s", { instanceId: string; name: string }> = {} as never;

const digest = (c: string) => `sha256:${c.repeat(64)}`;

async function axe(step: string) {
  const found = await seriousViolations(page);
  expect(
    found.map((v) => `${step}: ${v.id} (${v.impact}) ${v.help} @ ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`),
  ).toEqual([]);
}

const isFocused = (locator: Locator) =>
  locator.evaluate(
    (el) => el === (globalThis as unknown as { document: { activeElement: unknown } }).document.activeElement,
  );

/** The queue's row of one instance (the form row under it, when open, is a separate row). */
const row = (name: string) =>
  page.getByRole("row").filter({ has: page.getByRole("link", { name: `instance ${name}`, exact: true }) });

async function apiItem(instanceId: string, status = "active") {
  const res = await stack.fleet.api("GET", `/api/v1/fleet/drift?instance_id=${instanceId}&status=${status}`);
  expect(res.status).toBe(200);
  return res.body.data[0] as { id: string; status: string; remediation: { state: string } | null } | undefined;
}

beforeAll(async () => {
  [stack, browser] = await Promise.all([startStack(), launchBrowser()]);
  const runner = createAutonomyRunner(stack.fleet.runtime.services);
  tick = async () => {
    for (let i = 0; i < 40; i++) {
      const r = await runner.run(stack.fleet.runtime.accountId, { trigger: "manual" });
      if (r.status !== "skipped_locked") return;
      await new Promise((ok) => setTimeout(ok, 250));
    }
    throw new Error("the account's tick lock stayed held");
  };
  // Two running instances that report a module their node is not assigned (module drift), one with a
  // storage assignment stuck failed (storage drift, which this build cannot remediate).
  for (const [key, name] of [
    ["a", "drift-a"],
    ["b", "drift-b"],
    ["s", "drift-s"],
  ] as const) {
    const s = await insertInstance(stack.fleet);
    await renameInstance(stack.fleet, s.instanceId, name);
    drift[key] = { instanceId: s.instanceId, name };
  }
  for (const key of ["a", "b"] as const) {
    await reportRunningModules(stack.fleet, drift[key].instanceId, {
      "0190f000-0000-7000-8000-00000000000a": digest(key),
    });
  }
  await failStorageAssignment(stack.fleet, drift.s.instanceId);
  const policy = await stack.fleet.api("POST", "/api/v1/autonomy/policies", {
    body: { scope: "global", action_category: "module.sync", actor_type: "user", policy: "require_approval" },
  });
  expect(policy.status).toBe(201);
  await tick();

  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  page = await context.newPage();
  errors = collectPageErrors(page);
  await page.goto(`${stack.url}/`);
  await page.waitForURL(/\/signin/);
  await page.getByLabel("Email").fill(stack.alice.email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: /^sign in$/i }).click();
  await page.waitForURL((u) => !u.pathname.startsWith("/signin"));
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

describe("the drift queue in a browser", () => {
  it("lists the active items oldest first with what differs and what would fix it", async () => {
    await page.goto(`${stack.url}/fleet/drift`);
    await row("drift-a").waitFor();
    await expect.poll(() => row("drift-b").count()).toBe(1);
    const a = row("drift-a");
    await expect.poll(() => a.getByText("module drift").count()).toBeGreaterThan(0);
    expect(await a.getByText(/Sync modules on instance drift-a/).count()).toBe(1);
    expect(await a.getByText("open", { exact: true }).count()).toBe(1);
    // Storage drift has no executor here: the row says so, and Remediate and its checkbox are off.
    const s = row("drift-s");
    expect(await s.getByText("no automatic remediation", { exact: true }).count()).toBe(1);
    expect(await s.getByRole("button", { name: /^Remediate/ }).isDisabled()).toBe(true);
    expect(await s.getByRole("checkbox").isDisabled()).toBe(true);
    expect(await s.getByText(/Remediate: No automatic remediation/).count()).toBe(1);
    await screenshot(page, "drift-01-queue");
    await axe("drift queue");
  });

  it("snoozes an item for 7 days with a reason, using only the keyboard", async () => {
    const snooze = row("drift-a").getByRole("button", { name: /^Snooze/ });
    await snooze.focus();
    await page.keyboard.press("Enter");
    const form = page.getByRole("form", { name: /Snooze the module drift of instance drift-a/ });
    await form.waitFor();
    // Focus starts on the chosen duration (24 hours); the arrow keys choose another.
    expect(await isFocused(form.getByRole("radio", { name: "24 hours" }))).toBe(true);
    await page.keyboard.press("ArrowRight");
    expect(await form.getByRole("radio", { name: "7 days" }).isChecked()).toBe(true);
    await page.keyboard.press("Tab");
    await page.keyboard.type("no");
    await page.keyboard.press("Enter");
    await expect.poll(() => form.getByText(/at least 3 characters/).count()).toBe(1);
    await page.keyboard.type(" change until the maintenance window");
    await axe("snooze form");
    await page.keyboard.press("Enter");
    await expect.poll(() => row("drift-a").getByText("snoozed", { exact: true }).count(), { timeout: 15_000 }).toBe(1);
    expect(await row("drift-a").getByText("reason: no change until the maintenance window").count()).toBe(1);
    expect(await form.count()).toBe(0);
    expect(await isFocused(snooze)).toBe(true);
    expect((await apiItem(drift.a.instanceId))?.status).toBe("snoozed");
    await screenshot(page, "drift-02-snoozed");
  });

  it("keeps the status filter in the URL across a reload", async () => {
    await page.getByRole("button", { name: "Snoozed", exact: true }).click();
    await page.waitForURL(/status=snoozed/);
    await expect.poll(() => row("drift-b").count()).toBe(0);
    await page.reload();
    expect(await page.getByRole("button", { name: "Snoozed", exact: true }).getAttribute("aria-pressed")).toBe("true");
    await row("drift-a").waitFor();
    expect(await row("drift-b").count()).toBe(0);
    await page.getByRole("button", { name: "Active", exact: true }).click();
    await page.waitForURL((u) => !u.search.includes("status="));
    await row("drift-b").waitFor();
  });

  it("remediates two selected items as one approval with the combined blast radius", async () => {
    await row("drift-a").getByRole("checkbox").check();
    await row("drift-b").getByRole("checkbox").check();
    expect(await page.getByText("2 selected").count()).toBe(1);
    await page.getByRole("button", { name: "Remediate selected" }).click();
    const results = page.getByRole("region", { name: "Action results" });
    await expect
      .poll(() => results.getByText(/Remediate selected of 2 drift items needs approval/).count(), { timeout: 20_000 })
      .toBe(1);
    await results.getByRole("button", { name: "Approve" }).waitFor({ timeout: 20_000 });
    expect(await page.getByText("0 selected").count()).toBe(1);
    const mine = await pendingApprovals(stack.fleet, "module.sync");
    expect(mine).toHaveLength(1);
    const plan = mine[0]!.plan as { blast_radius: { instance_count: number; instances: { id: string }[] } };
    expect(plan.blast_radius.instance_count).toBe(2);
    expect(plan.blast_radius.instances.map((i) => i.id).sort()).toEqual(
      [drift.a.instanceId, drift.b.instanceId].sort(),
    );
    // Both rows wait for the approval, live (the snoozed one stays snoozed meanwhile), and neither
    // can be remediated again while it waits.
    for (const name of ["drift-a", "drift-b"]) {
      await expect
        .poll(
          () =>
            row(name)
              .getByText(/^remediation awaits approval/)
              .count(),
          { timeout: 15_000 },
        )
        .toBe(1);
    }
    expect(await row("drift-a").getByText("snoozed", { exact: true }).count()).toBe(1);
    expect(
      await row("drift-a")
        .getByRole("button", { name: /^Remediate/ })
        .isDisabled(),
    ).toBe(true);
    expect(await row("drift-a").getByText("Remediate: Its remediation awaits approval").count()).toBe(1);
    await screenshot(page, "drift-03-approval");
    await axe("bulk approval card");

    // Another person approves; the card and the rows follow without a reload.
    const approved = await stack.fleet.api("POST", `/api/v1/autonomy/approval_requests/${mine[0]!.id}/approve`, {
      body: { payload_hash: mine[0]!.payload_hash },
    });
    expect(approved.status).toBe(200);
    for (const name of ["drift-a", "drift-b"]) {
      await expect
        .poll(
          () =>
            row(name)
              .getByText(/remediation running \(1 task\)/)
              .count(),
          { timeout: 30_000 },
        )
        .toBe(1);
    }
    expect((await apiItem(drift.a.instanceId))?.remediation?.state).toBe("running");
    await screenshot(page, "drift-04-remediating");
  });

  it("drops an item from the active queue live when the next detection pass clears it", async () => {
    await reportRunningModules(stack.fleet, drift.b.instanceId, {});
    await tick();
    await expect.poll(() => row("drift-b").count(), { timeout: 15_000 }).toBe(0);
    expect((await apiItem(drift.b.instanceId, "auto_resolved"))?.status).toBe("auto_resolved");
    expect(await row("drift-a").count()).toBe(1);
  });

  it("assigns the storage item to the viewer, then resolves it with a reason", async () => {
    await row("drift-s")
      .getByRole("button", { name: /^Assign to me/ })
      .click();
    await expect.poll(() => row("drift-s").getByText("assigned to Alice").count(), { timeout: 15_000 }).toBe(1);
    expect(
      await row("drift-s")
        .getByRole("button", { name: /^Assign to me/ })
        .isDisabled(),
    ).toBe(true);
    await row("drift-s")
      .getByRole("button", { name: /^Resolve/ })
      .click();
    const form = page.getByRole("form", { name: /Resolve the storage assignment drift of instance drift-s/ });
    await form.getByLabel(/Reason/).fill("the mount is retired on purpose");
    await form.getByRole("button", { name: "Resolve" }).click();
    await expect.poll(() => row("drift-s").count(), { timeout: 15_000 }).toBe(0);
    await expect
      .poll(() => page.getByText(/Resolved the storage assignment drift of instance drift-s/).count())
      .toBeGreaterThan(0);
    await page.getByRole("button", { name: "Resolved", exact: true }).click();
    await row("drift-s").waitFor();
    expect(await row("drift-s").getByText("reason: the mount is retired on purpose").count()).toBe(1);
    await axe("resolved filter");
  });

  it("re-reads by itself when a shown snooze ends, and the item is open again", async () => {
    await page.getByRole("button", { name: "Active", exact: true }).click();
    await row("drift-a").waitFor();
    // The fixture clock: the snooze is moved to end in a few seconds, and a decision elsewhere (an
    // assignment through the API) makes the page re-read it live.
    await snoozeUntil(stack.fleet, `module_drift:${drift.a.instanceId}`, new Date(Date.now() + 4000));
    const item = await apiItem(drift.a.instanceId);
    const assigned = await stack.fleet.api("POST", `/api/v1/fleet/drift/${item!.id}/assign`, { body: {} });
    expect(assigned.status).toBe(200);
    await expect.poll(() => row("drift-a").getByText("snoozed", { exact: true }).count(), { timeout: 15_000 }).toBe(1);
    await expect.poll(() => row("drift-a").getByText("open", { exact: true }).count(), { timeout: 20_000 }).toBe(1);
    expect((await apiItem(drift.a.instanceId))?.status).toBe("open");
  });

  it("shows the oldest active items on the dashboard, linked to the queue", async () => {
    await page.goto(`${stack.url}/fleet`);
    const panel = page.getByRole("region", { name: "Drift queue" });
    await panel.waitFor();
    await panel.getByRole("link", { name: "instance drift-a", exact: true }).waitFor();
    expect(await panel.getByRole("link", { name: "instance drift-s", exact: true }).count()).toBe(0);
    await axe("dashboard drift panel");
    await screenshot(page, "drift-05-dashboard");
    await panel.getByRole("link", { name: "Open the drift queue" }).click();
    await page.waitForURL(/\/fleet\/drift$/);
  });

  it("logged no console errors", () => {
    expect(errors).toEqual([]);
  });
});
