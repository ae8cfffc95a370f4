import { describe, expect, it } from "vitest";
import type { ApprovalRequest } from "@/lib/approval-types";
import {
  checkValue,
  editBlocker,
  editFields,
  editParams,
  editSubjectOf,
  initialDraft,
  readDraft,
  readJson,
  sameJson,
} from "./action-edit";
import { fieldSchemaOf, type OperationInfo } from "./operation-info";

const TARGET = { type: "instance", id: "0190aaaa-0000-7000-8000-000000000001" };

const withParams = (params: Record<string, unknown>) =>
  ({
    action_payload: { account_id: "a", action_category: "instance.reboot", target: TARGET, params },
  }) as ApprovalRequest;

const call = (input: Record<string, unknown>) => withParams({ operation: "instance.reboot", input });

const rebootInfo: OperationInfo = {
  operation: "instance.reboot",
  effect: "write",
  pathParams: ["id"],
  required: ["id"],
  fields: {
    id: fieldSchemaOf({ type: "string" }),
    hard: fieldSchemaOf({ type: "boolean", default: false }),
    reason: fieldSchemaOf({ type: "string", minLength: 1, maxLength: 20 }),
    mode: fieldSchemaOf({ type: "string", enum: ["graceful", "kexec"] }),
    retries: fieldSchemaOf({ type: "integer", minimum: 0, maximum: 5 }),
    labels: fieldSchemaOf({ type: "object" }),
    wait: fieldSchemaOf({ type: "boolean" }),
  },
};

const planned = {
  id: TARGET.id,
  hard: false,
  reason: "kernel update",
  mode: "graceful",
  retries: 1,
  labels: { a: "1" },
};

describe("what an approver may edit", () => {
  it("edits a call's input, and the flat params of other gated actions", () => {
    expect(editSubjectOf(call({ id: "x" }))).toMatchObject({ kind: "call", operation: "instance.reboot" });
    expect(editSubjectOf(withParams({ operation: "reboot", hard: false }))).toMatchObject({
      kind: "params",
      operation: "reboot",
    });
    expect(editSubjectOf(withParams({}))).toBeNull();
  });

  it("types each field from its value and the API's schema, locking what names the target", () => {
    const fields = editFields(editSubjectOf(call(planned))!, TARGET, rebootInfo);
    const byKey = Object.fromEntries(fields.map((f) => [f.key, f]));
    expect(byKey.id!.locked).toMatch(/target/);
    expect(byKey.hard).toMatchObject({ kind: "boolean", locked: null });
    expect(byKey.reason!.kind).toBe("string");
    expect(byKey.mode).toMatchObject({ kind: "enum", options: ["graceful", "kexec"] });
    expect(byKey.retries).toMatchObject({ kind: "number", integer: true });
    expect(byKey.labels!.kind).toBe("json");
    const flat = editFields(editSubjectOf(withParams({ operation: "reboot", hard: false }))!, TARGET, null);
    expect(flat.find((f) => f.key === "operation")!.locked).toMatch(/which action runs/);
  });

  it("reads the controls back, naming each field that does not fit", () => {
    const subject = editSubjectOf(call(planned))!;
    const fields = editFields(subject, TARGET, rebootInfo);
    const draft = initialDraft(fields);
    expect(readDraft(fields, draft)).toEqual({ value: planned, errors: [] });
    const edited = readDraft(fields, { ...draft, hard: true, retries: "3", labels: '{"a":"2"}' });
    expect(edited.errors).toEqual([]);
    expect(edited.value).toMatchObject({ hard: true, retries: 3, labels: { a: "2" } });
    expect(editParams(subject, edited.value)).toEqual({ input: edited.value });
    const bad = readDraft(fields, { ...draft, reason: "", retries: "2.5", labels: "{oops", id: "other" });
    expect(bad.errors.map((e) => e.path)).toEqual(["reason", "retries", "labels"]);
    expect(bad.errors[0]!.message).toBe("must not be empty");
    // Locked fields keep their planned value whatever the draft says.
    expect(bad.value.id).toBe(TARGET.id);
    expect(readDraft(fields, { ...draft, retries: "9" }).errors).toEqual([
      { path: "retries", message: "must be at most 5" },
    ]);
  });

  it("sends only the changed flat params, each keeping its JSON type", () => {
    const subject = editSubjectOf(withParams({ operation: "reboot", hard: false, delay: 5 }))!;
    const fields = editFields(subject, TARGET, null);
    const read = readDraft(fields, { ...initialDraft(fields), hard: true });
    expect(editParams(subject, read.value)).toEqual({ hard: true });
    const json = readJson(subject, fields, null, '{"operation":"reboot","hard":"yes","delay":5,"force":true}');
    expect(json.errors).toEqual([
      { path: "hard", message: "must stay a boolean, like the planned value" },
      { path: "force", message: "is not a param of this action" },
    ]);
  });

  it("checks a whole JSON input against the operation: required, known and locked fields", () => {
    const subject = editSubjectOf(call(planned))!;
    const fields = editFields(subject, TARGET, rebootInfo);
    expect(readJson(subject, fields, rebootInfo, "[1]").errors[0]!.message).toBe("must be a JSON object");
    expect(readJson(subject, fields, rebootInfo, "{").errors[0]!.message).toMatch(/not valid JSON/);
    const { reason: _drop, ...rest } = planned;
    const ok = readJson(subject, fields, rebootInfo, JSON.stringify({ ...rest, wait: true }));
    expect(ok.errors).toEqual([]);
    expect(ok.value).toEqual({ ...rest, wait: true });
    const bad = readJson(subject, fields, rebootInfo, JSON.stringify({ ...planned, id: "other", color: "red" }));
    expect(bad.errors.map((e) => e.path)).toEqual(["id", "color"]);
    // Without the operation's schema nothing can be added or dropped.
    expect(readJson(subject, fields, null, JSON.stringify(rest)).errors).toEqual([
      { path: "reason", message: "cannot be removed: the operation's schema is unknown" },
    ]);
  });

  it("offers Edit while something can change: a free field, or an input the plan left out", () => {
    const full = editSubjectOf(call(planned))!;
    expect(editBlocker(full, editFields(full, TARGET, rebootInfo), "ok", rebootInfo)).toBeNull();
    expect(editBlocker(full, editFields(full, TARGET, null), "loading", null)).toMatch(/reading/);
    const onlyId = editSubjectOf(call({ id: TARGET.id }))!;
    expect(editBlocker(onlyId, editFields(onlyId, TARGET, rebootInfo), "ok", rebootInfo)).toBeNull();
    expect(editBlocker(onlyId, editFields(onlyId, TARGET, null), "failed", null)).toBe(
      "nothing in this action can change",
    );
    const flat = editSubjectOf(withParams({ operation: "reboot" }))!;
    expect(editBlocker(flat, editFields(flat, TARGET, null), "ok", null)).toBe("nothing in this action can change");
  });

  it("compares JSON whatever the key order, and checks schemas", () => {
    expect(sameJson({ a: 1, b: [1, { c: 2, d: 3 }] }, { b: [1, { d: 3, c: 2 }], a: 1 })).toBe(true);
    expect(sameJson({ a: 1 }, { a: "1" })).toBe(false);
    expect(checkValue(null, "x", fieldSchemaOf({ anyOf: [{ type: "string" }, { type: "null" }] }))).toBeNull();
    expect(checkValue(3, "x", fieldSchemaOf({ type: "string" }))).toBe("must be string");
    expect(checkValue("c", "a", fieldSchemaOf({ enum: ["a", "b"] }))).toBe('must be one of "a", "b"');
  });
});
