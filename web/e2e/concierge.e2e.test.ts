// The operator's path through the real UI in Chromium: sign in, ask the offline concierge which
// instances are silent and read the table, ask it to reboot the live one, get an approval card,
// approve it as a second person (keyboard only) and watch the reboot task complete in the live feed.
// Then the concierge drawer (Ctrl+K, Escape, "Ask about this" on an instance) and the site-wide
// honeypot banner. Every step is screenshotted under test-results/e2e/ and checked with axe.
import { randomUUID } from "node:crypto";
import { emitEvent, systemPrincipal } from "@nodepilot/core";
import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collectPageErrors, launchBrowser, screenshot, seriousViolations } from "./browser.ts";
import { PASSWORD, type Stack, startStack } from "./stack.ts";

let stack: Stack;
let browser: Browser;
const contexts: BrowserContext[] = [];
const errors: string[] = [];

beforeAll(async () => {
  [stack, browser] = await Promise.all([startStack(), launchBrowser()]);
}, 600_000);

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
  await stack?.close();
});

async function signedIn(email: string, viewport = { width: 1440, height: 900 }): Promise<Page> {
  const context = await browser.newContext({ viewport });
  contexts.push(context);
  const page = await context.newPage();
  errors.push(...[]); // filled live below
  const own = collectPageErrors(page);
  page.on("close", () => errors.push(...own));
  await page.goto(`${stack.url}/`);
  await page.waitForURL(/\/signin/);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: /^sign in$/i }).click();
  await page.waitForURL((u) => !u.pathname.startsWith("/signin"));
  return Object.assign(page, { pageErrors: own });
}

async function expectAccessible(page: Page, step: string) {
  const found = await seriousViolations(page);
  expect(
    found.map((v) => `${step}: ${v.id} (${v.impact}) ${v.help} @ ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`),
  ).toEqual([]);
}

/** Is `locator` the focused element? (This file is compiled without the DOM library.) */
const isFocused = (locator: Locator) =>
  locator.evaluate(
    (el) => el === (globalThis as unknown as { document: { activeElement: unknown } }).document.activeElement,
  );

/** Is focus inside `locator`'s element? */
const holdsFocus = (locator: Locator) =>
  locator.evaluate((el) =>
    (el as unknown as { contains(x: unknown): boolean }).contains(
      (globalThis as unknown as { document: { activeElement: unknown } }).document.activeElement,
    ),
  );

async function ask(page: Page, text: string) {
  const box = page.getByLabel("Message the concierge");
  await box.fill(text);
  await box.press("Enter");
}

describe("the concierge in a browser", () => {
  let alice: Page;
  let bob: Page;

  it("signs in and shows the concierge", async () => {
    alice = await signedIn(stack.alice.email);
    await expect.poll(() => alice.getByLabel("Message the concierge").isVisible()).toBe(true);
    await screenshot(alice, "01-signed-in");
    await expectAccessible(alice, "concierge");
  });

  it("answers which instances are silent with a table of exactly those", async () => {
    await ask(alice, "which instances are silent?");
    const card = alice.getByRole("article", { name: /instance_list tool call/i }).last();
    await card.waitFor({ timeout: 30_000 });
    const table = alice.locator("table").filter({ hasText: stack.silent[0]!.name }).last();
    await table.waitFor({ timeout: 30_000 });
    for (const s of stack.silent) await expect.poll(() => table.getByText(s.name).count()).toBeGreaterThan(0);
    expect(await table.getByText(stack.live.name).count()).toBe(0);
    await expect.poll(() => alice.getByText(/offline model/i).count()).toBeGreaterThan(0);
    await screenshot(alice, "02-silent-instances");
    await expectAccessible(alice, "silent table");
  });

  it("asks for approval before it reboots, and changes nothing yet", async () => {
    await ask(alice, `reboot ${stack.live.name}`);
    const approve = alice.getByRole("button", { name: "Approve" }).last();
    await approve.waitFor({ timeout: 30_000 });
    await expect.poll(() => alice.getByText("instance.reboot").count()).toBeGreaterThan(0);
    const res = await stack.fleet.api("GET", `/api/v1/node_instances/${stack.live.id}`);
    expect(res.body.data.status).toBe("running");
    await screenshot(alice, "03-approval-card");
    await expectAccessible(alice, "approval card");
  });

  it("refuses the requester's own approval", async () => {
    await alice.getByRole("button", { name: "Approve" }).last().click();
    await expect
      .poll(() => alice.getByText(/another person must approve/i).count(), { timeout: 15_000 })
      .toBeGreaterThan(0);
    await screenshot(alice, "04-own-approval-refused");
  });

  it("lets a second person approve from the queue using only the keyboard", async () => {
    bob = await signedIn(stack.bob.email);
    await bob.goto(`${stack.url}/approvals`);
    const row = bob.getByRole("row").filter({ hasText: "instance.reboot" }).first();
    await row.waitFor({ timeout: 15_000 });
    await screenshot(bob, "05-approvals-queue");
    await expectAccessible(bob, "approvals queue");
    await row.getByRole("link").first().click();
    await bob.waitForURL(/\/approvals\/[0-9a-f-]{36}/);
    const approve = bob.getByRole("button", { name: "Approve" });
    await approve.waitFor();
    // Tab to the button: it must be reachable and operable without a pointer.
    let focused = false;
    for (let i = 0; i < 80 && !focused; i++) {
      await bob.keyboard.press("Tab");
      focused = await approve.evaluate(
        (el) => el === (globalThis as unknown as { document: { activeElement: unknown } }).document.activeElement,
      );
    }
    expect(focused).toBe(true);
    await bob.keyboard.press("Enter");
    await expect
      .poll(() => bob.getByText(/approved|executed|applied/i).count(), { timeout: 20_000 })
      .toBeGreaterThan(0);
    await screenshot(bob, "06-approved");
    await expectAccessible(bob, "approval detail");
  });

  it("shows the reboot task completing in the live feed", async () => {
    await alice.goto(`${stack.url}/fleet`);
    const feed = alice.getByRole("region", { name: "Live event feed" });
    await feed.waitFor();
    await expect
      // biome-ignore lint/performance/useDomNodeTextContent: what is shown, not collapsed chains' hidden rows
      .poll(async () => /reboot\s*task\.complete/i.test(await feed.innerText()), { timeout: 120_000 })
      .toBe(true);
    await screenshot(alice, "07-live-feed-task-complete");
    await expectAccessible(alice, "fleet dashboard");
    const res = await stack.fleet.api("GET", `/api/v1/tasks?subject_id=${stack.live.id}`);
    const reboots = res.body.data.filter((t: { command: string }) => t.command === "reboot");
    expect(reboots.map((t: { status: string }) => t.status)).toEqual(["succeeded"]);
  });

  it("carries on in the same thread with the executed result", async () => {
    await alice.goBack();
    await alice.waitForLoadState();
    await expect.poll(() => alice.getByText(/executed|applied/i).count(), { timeout: 30_000 }).toBeGreaterThan(0);
    await screenshot(alice, "08-thread-resumed");
  });

  it("can be used with the keyboard alone", async () => {
    const page = await signedIn(stack.alice.email);
    const box = page.getByLabel("Message the concierge");
    await box.waitFor();
    let focused = false;
    for (let i = 0; i < 80 && !focused; i++) {
      await page.keyboard.press("Tab");
      focused = await box.evaluate(
        (el) => el === (globalThis as unknown as { document: { activeElement: unknown } }).document.activeElement,
      );
    }
    expect(focused).toBe(true);
    await page.keyboard.type("list nodes");
    await page.keyboard.press("Enter");
    await page.getByRole("article", { name: /node_list tool call/i }).waitFor({ timeout: 30_000 });
    for (const name of ["rack-a", "rack-b", "web-1"]) {
      await expect.poll(() => page.getByRole("cell", { name, exact: true }).count()).toBeGreaterThan(0);
    }
    await screenshot(page, "09-keyboard-only-chat");
  });

  it("works on a phone-sized screen", async () => {
    const phone = await signedIn(stack.alice.email, { width: 390, height: 844 });
    await expect.poll(() => phone.getByLabel("Message the concierge").isVisible()).toBe(true);
    await screenshot(phone, "10-mobile-chat");
    await phone.goto(`${stack.url}/approvals?status=approved`);
    await screenshot(phone, "11-mobile-approvals");
    await expectAccessible(phone, "mobile approvals");
  });

  it("opens the concierge drawer with Ctrl+K, keeps focus in it, and Escape returns focus", async () => {
    await alice.goto(`${stack.url}/fleet`);
    const fleetLink = alice.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Fleet" });
    await fleetLink.focus();
    await alice.keyboard.press("Control+k");
    const drawer = alice.getByRole("dialog", { name: "Concierge" });
    await drawer.waitFor();
    await expect.poll(() => isFocused(drawer.getByLabel("Message the concierge"))).toBe(true);
    for (let i = 0; i < 12; i++) {
      await alice.keyboard.press("Tab");
      expect(await holdsFocus(drawer)).toBe(true);
    }
    await screenshot(alice, "12-drawer-open");
    await expectAccessible(alice, "concierge drawer");
    await alice.keyboard.press("Escape");
    await drawer.waitFor({ state: "hidden" });
    expect(await isFocused(fleetLink)).toBe(true);
  });

  it("asks about an instance from its page, with the instance attached as a chip", async () => {
    await alice.goto(`${stack.url}/instances/${stack.live.id}`);
    await alice.getByRole("button", { name: /^Ask about this/ }).click();
    const drawer = alice.getByRole("dialog", { name: "Concierge" });
    await drawer.waitFor();
    const chips = drawer.getByRole("list", { name: "Attached context" });
    await expect.poll(async () => (await chips.textContent()) ?? "").toContain(`instance ${stack.live.name}`);
    const box = drawer.getByLabel("Message the concierge");
    await expect.poll(() => isFocused(box)).toBe(true);
    await box.fill("is it running?");
    await box.press("Enter");
    // The offline model reads the attached instance and looks it up.
    const card = drawer.getByRole("article", { name: /instance_get tool call/i });
    await card.waitFor({ timeout: 30_000 });
    await expect.poll(async () => (await card.textContent()) ?? "").toContain(stack.live.id);
    await expect
      .poll(() => drawer.getByText(`(About instance ${stack.live.name}, id:${stack.live.id})`).count())
      .toBeGreaterThan(0);
    await screenshot(alice, "13-ask-about-instance");
    await expectAccessible(alice, "ask about an instance");
    // A real conversation: it opens in full at /chat/<id> with the same thread.
    await drawer.getByRole("link", { name: "Open in full" }).click();
    await alice.waitForURL(/\/chat\/[0-9a-f-]{36}$/);
    await alice.getByRole("article", { name: /instance_get tool call/i }).waitFor({ timeout: 15_000 });
    expect(await alice.getByRole("dialog", { name: "Concierge" }).count()).toBe(0);
  });

  it("raises the honeypot banner on every page until acknowledged", async () => {
    await alice.goto(`${stack.url}/nodes`);
    // Emitted once the tab's stream is up, so it arrives live.
    await alice
      .getByRole("status")
      .filter({ hasText: /^Live$/ })
      .waitFor({ timeout: 15_000 });
    const banner = alice.getByRole("region", { name: "Honeypot alert" });
    const db = stack.fleet.runtime.database.db;
    const origin = {
      principal: systemPrincipal(stack.fleet.runtime.accountId, []),
      source: "system" as const,
      correlationId: null,
      now: new Date(),
    };
    // What the honeypot_access sensor emits for a touched canary hosted on the live instance.
    await db.transaction((tx) =>
      emitEvent(tx, origin, {
        kind: "fleet.honeypot_access",
        severity: "critical",
        payload: {
          event_id: randomUUID(),
          source: "ssh",
          emitted_at: new Date().toISOString(),
          instance_id: stack.live.id,
        },
        node_instance_id: stack.live.id,
      }),
    );
    // Arrived live: announced.
    const alert = banner.getByRole("alert");
    await alert.waitFor({ timeout: 15_000 });
    await expect
      .poll(async () => (await alert.textContent()) ?? "")
      .toMatch(new RegExp(`Honeypot canary accessed: .* on ${stack.live.name}`));
    await screenshot(alice, "14-honeypot-banner");
    await expectAccessible(alice, "honeypot banner");
    // Read at load on another page, and acknowledged there: gone on every page after.
    await alice.goto(`${stack.url}/approvals`);
    await banner.waitFor({ timeout: 15_000 });
    await banner.getByRole("button", { name: "Acknowledge" }).click();
    await banner.waitFor({ state: "hidden" });
    await alice.goto(`${stack.url}/fleet`);
    await alice.getByRole("region", { name: "Live event feed" }).waitFor();
    await alice.waitForLoadState("networkidle");
    expect(await banner.count()).toBe(0);
  });

  it("analyzes a silent instance's suspected cause, and a confirmation becomes a linked learning", async () => {
    // A module assigned to the silent box's node just now: an assignment change inside the lookback.
    const silent = stack.silent[0]!;
    const instance = (await stack.fleet.api("GET", `/api/v1/node_instances/${silent.id}`)).body.data;
    const [platform] = (await stack.fleet.api("GET", "/api/v1/node_platforms")).body.data;
    const mod = await stack.fleet.api("POST", "/api/v1/node_modules", {
      body: { name: "e2e-telemetry", node_platform_id: platform.id },
    });
    expect(mod.status).toBe(201);
    const assigned = await stack.fleet.api("POST", "/api/v1/node_module_assignments", {
      body: { node_id: instance.node_id, node_module_id: mod.body.data.id },
    });
    expect(assigned.status).toBe(201);

    await alice.goto(`${stack.url}/instances/${silent.id}`);
    const panel = alice.getByRole("region", { name: "Analyze cause" });
    await panel.getByRole("button", { name: "Analyze" }).click();
    const suspects = panel.getByRole("list", { name: "Suspected causes, most likely first" });
    const suspect = suspects.getByRole("listitem").filter({ hasText: "e2e-telemetry" }).first();
    await suspect.waitFor({ timeout: 15_000 });
    expect(await suspect.textContent()).toMatch(/assignment/i);
    await suspect.getByRole("button", { name: "Confirm cause" }).click();
    const learned = suspect.getByRole("link", { name: /You confirmed this on/ });
    await learned.waitFor({ timeout: 15_000 });
    await screenshot(alice, "15-attribution-confirmed");
    await expectAccessible(alice, "attribution confirmed");

    await learned.click();
    await alice.getByRole("heading", { name: /Module e2e-telemetry confirmed cause of instance failure/ }).waitFor();
    await screenshot(alice, "16-learning");
    await expectAccessible(alice, "learning page");
    // Re-analyzed, the same suspect is now boosted by the confirmation.
    await alice.goBack();
    await panel.getByRole("button", { name: /Analyze/ }).click();
    await expect.poll(async () => (await suspect.textContent()) ?? "", { timeout: 15_000 }).toMatch(/boosted/);
  });

  it("logged no console errors", () => {
    for (const c of contexts)
      for (const p of c.pages()) errors.push(...((p as Page & { pageErrors?: string[] }).pageErrors ?? []));
    expect([...new Set(errors)]).toEqual([]);
  });
});
