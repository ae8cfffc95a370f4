import { mkdir, mkdtemp, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { writeFileAtomic } from "./atomic.ts";
import { type JournalEntry, TaskJournal } from "./journal.ts";
import { planRecovery } from "./recovery.ts";
import { PERSIST_STATE_DIR, resolveStateDir, VOLATILE_STATE_DIR } from "./state-dir.ts";

const tmp = () => mkdtemp(path.join(tmpdir(), "np-state-"));

describe("writeFileAtomic", () => {
  it("replaces the content with the given mode and leaves no temp file", async () => {
    const dir = await tmp();
    const file = path.join(dir, "sub", "x.json");
    await writeFileAtomic(file, "one");
    await writeFileAtomic(file, "two", 0o640);
    expect(await readFile(file, "utf8")).toBe("two");
    expect((await stat(file)).mode & 0o777).toBe(0o640);
    expect(await readdir(path.dirname(file))).toEqual(["x.json"]);
  });

  it("writes new files with the requested mode", async () => {
    const dir = await tmp();
    await writeFileAtomic(path.join(dir, "k"), "secret", 0o600);
    expect((await stat(path.join(dir, "k"))).mode & 0o777).toBe(0o600);
  });

  it("leaves the old target and no temp file when the rename fails", async () => {
    const dir = await tmp();
    const target = path.join(dir, "busy");
    await mkdir(target);
    await writeFile(path.join(target, "keep"), "old");
    await expect(writeFileAtomic(target, "new")).rejects.toThrow();
    expect(await readdir(dir)).toEqual(["busy"]);
    expect(await readFile(path.join(target, "keep"), "utf8")).toBe("old");
  });
});

describe("resolveStateDir", () => {
  it("prefers --state-dir, then /persist, then /var/lib", () => {
    expect(resolveStateDir("/tmp/x", true)).toBe("/tmp/x");
    expect(resolveStateDir(undefined, true)).toBe(PERSIST_STATE_DIR);
    expect(resolveStateDir(undefined, false)).toBe(VOLATILE_STATE_DIR);
  });
});

const entry = (over: Partial<JournalEntry> = {}): JournalEntry => ({
  task_id: "t1",
  lease_id: "l1",
  command: "collect_facts",
  payload: {},
  phase: "running",
  lease_ttl_seconds: 120,
  attempt: 1,
  max_attempts: 3,
  timeout_seconds: 600,
  updated_at: "2025-01-01T00:00:00.000Z",
  ...over,
});

describe("TaskJournal", () => {
  it("persists concurrent updates without losing any and reloads them", async () => {
    const file = path.join(await tmp(), "tasks-state.json");
    const j = new TaskJournal(file);
    await j.load();
    await Promise.all(["a", "b", "c", "d"].map((id) => j.put({ ...entry({ task_id: id, phase: "leased" }) })));
    await Promise.all([
      j.update("a", { phase: "running" }),
      j.update("b", { phase: "reporting", completion_id: "c1", outcome: { kind: "complete", result: { ok: true } } }),
      j.drop("c"),
    ]);
    const again = new TaskJournal(file);
    const entries = await again.load();
    expect(entries.map((e) => [e.task_id, e.phase]).sort()).toEqual([
      ["a", "running"],
      ["b", "reporting"],
      ["d", "leased"],
    ]);
    expect(again.get("b")?.outcome).toEqual({ kind: "complete", result: { ok: true } });
  });

  it("refuses to write before load and rejects a corrupt file", async () => {
    const file = path.join(await tmp(), "tasks-state.json");
    await expect(new TaskJournal(file).put(entry())).rejects.toThrow(/before load/);
    await writeFile(file, JSON.stringify({ version: 1, entries: [{ task_id: 1 }] }));
    await expect(new TaskJournal(file).load()).rejects.toThrow();
  });

  it("a failed update does not block later ones", async () => {
    const j = new TaskJournal(path.join(await tmp(), "tasks-state.json"));
    await j.load();
    await expect(j.update("missing", { phase: "running" })).rejects.toThrow(/no entry/);
    await j.put(entry());
    expect(j.list()).toHaveLength(1);
  });
});

describe("planRecovery", () => {
  const reporting = entry({ phase: "reporting", completion_id: "c1", outcome: { kind: "complete", result: {} } });
  const cases: [string, JournalEntry, Parameters<typeof planRecovery>[1], boolean, string][] = [
    ["404", entry(), { found: false }, true, "drop"],
    ["terminal succeeded", entry(), { found: true, status: "succeeded", lease_id: "l1" }, true, "drop"],
    ["terminal cancelled", reporting, { found: true, status: "cancelled", lease_id: null }, false, "drop"],
    ["re-leased to someone else", entry(), { found: true, status: "leased", lease_id: "other" }, true, "drop"],
    ["back to pending", entry(), { found: true, status: "pending", lease_id: null }, true, "drop"],
    ["reporting under same lease", reporting, { found: true, status: "running", lease_id: "l1" }, false, "resend"],
    ["running, idempotent", entry(), { found: true, status: "running", lease_id: "l1" }, true, "rerun"],
    [
      "running, not idempotent",
      entry({ command: "run_script" }),
      { found: true, status: "running", lease_id: "l1" },
      false,
      "fail_restarted",
    ],
    [
      "never dispatched, not idempotent",
      entry({ phase: "leased", command: "reboot" }),
      { found: true, status: "leased", lease_id: "l1" },
      false,
      "rerun",
    ],
    [
      "reporting without outcome, not idempotent",
      entry({ phase: "reporting" }),
      { found: true, status: "running", lease_id: "l1" },
      false,
      "fail_restarted",
    ],
  ];
  it.each(cases)("%s", (_name, e, server, idempotent, action) => {
    expect(planRecovery(e, server, idempotent).action).toBe(action);
  });
});
