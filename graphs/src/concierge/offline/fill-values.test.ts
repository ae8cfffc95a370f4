// Table tests for reading field values out of a request: enum values (and the words that name them),
// booleans with negation, numbers matched to their field by nearby words, strings.
import { describe, expect, it } from "vitest";
import { analyze } from "./analysis.ts";
import type { FieldSpec } from "./fields.ts";
import {
  booleanValue,
  enumValues,
  numberValues,
  stringValue,
  type ValueContext,
  vocabularyValue,
} from "./fill-values.ts";

const NOW = new Date("2026-03-01T12:00:00Z");
const ctx = (text: string, over: Partial<ValueContext> = {}): ValueContext => ({
  analysis: analyze(text, NOW),
  entityTokens: new Set(),
  vocabulary: {},
  verb: "list",
  consumed: new Set(),
  nouns: [],
  commands: new Set(),
  ...over,
});
const field = (name: string, spec: Partial<FieldSpec> = {}): FieldSpec => ({
  name,
  required: false,
  type: "string",
  nullable: false,
  description: "",
  ...spec,
});

const INSTANCE_STATES = ["pending", "running", "stopped", "rebooting", "error"];

describe("enumValues", () => {
  it.each([
    ["the stopped or errored instances", INSTANCE_STATES, ["stopped", "error"]],
    ["which machines are running", INSTANCE_STATES, ["running"]],
    ["what's waiting for my approval", ["pending", "approved", "rejected"], ["pending"]],
    ["who are the admins", ["owner", "admin", "operator", "viewer"], ["admin"]],
    ["add bob as a read-only user", ["owner", "admin", "operator", "viewer"], ["viewer"]],
    ["images that boot with cloud init", ["direct_kernel", "uefi_disk", "cloud_init"], ["cloud_init"]],
    ["instances that are not running", INSTANCE_STATES, []],
  ])("%s", (text, values, expected) => {
    expect(enumValues(values, ctx(text))).toEqual(expected);
  });
  it("does not read a word that names an object as a value", () => {
    expect(enumValues(["running"], ctx("show running", { entityTokens: new Set([1]) }))).toEqual([]);
  });
});

describe("booleanValue", () => {
  it.each([
    ["silent", "which instances are silent", true],
    ["silent", "instances that are not silent", false],
    ["silent", "which boxes went quiet", true],
    ["enabled", "which nodes are disabled", false],
    ["enabled", "enable node db-1", true],
    ["hard", "hard reboot it", true],
    ["force", "force stop gpu-7-a", true],
    ["dry_run", "dry run the template apply", true],
    ["dry_run", "what would applying the template change", true],
    ["release_ips", "terminate it but keep its public ip", false],
    ["silent", "list all instances", undefined],
  ])("%s in %s", (name, text, expected) => {
    expect(booleanValue(field(name, { type: "boolean" }), ctx(text))).toBe(expected);
  });
});

describe("numberValues", () => {
  const pool = [
    field("target_size", { type: "integer" }),
    field("max_size", { type: "integer" }),
    field("min_size", { type: "integer" }),
  ];
  it.each([
    ["grow ci-runners to 4 machines", pool, { target_size: 4 }],
    ["a pool of 2, up to 5", pool, { target_size: 2, max_size: 5 }],
    ["keep at least 1 and at most 6", pool, { min_size: 1, max_size: 6 }],
    [
      "give it 2 minutes to drain",
      [field("drain_timeout_seconds", { type: "integer" })],
      { drain_timeout_seconds: 120 },
    ],
    ["allow 5 autonomous actions a day", [field("limit", { type: "integer", required: true })], { limit: 5 }],
    ["show the last 5 ticks", [field("limit", { type: "integer" })], { limit: 5 }],
    ["list ticks", [field("limit", { type: "integer" })], {}],
  ])("%s", (text, fields, expected) => {
    expect(numberValues(fields, ctx(text))).toEqual(expected);
  });
});

describe("stringValue", () => {
  it.each([
    [field("email", { format: "email" }), "add bob@example.com as a viewer", {}, "bob@example.com"],
    [field("display_name"), "add bob@example.com as a viewer", {}, "Bob"],
    [field("reason"), "put a hold on gpu-7-a, I'm investigating disk errors", {}, "I'm investigating disk errors"],
    [field("reason"), "reject it because of the release freeze", {}, "the release freeze"],
    [field("name", { required: true }), "create a node called Edge-3 from template base", { verb: "create" }, "Edge-3"],
    [
      field("name", { required: true }),
      "create a pool ci-runners of 3",
      { verb: "create", nouns: ["pool"] },
      "ci-runners",
    ],
    [field("name_contains"), "nodes with edge in the name", {}, "edge"],
    [field("claim_code", { required: true }), "claim the box showing K7QM-P2XD", {}, "K7QM-P2XD"],
    [field("since", { format: "date-time" }), "events from the last 2 hours", {}, "2026-03-01T10:00:00.000Z"],
    [field("reason"), "reboot edge-1-a", {}, undefined],
  ])("%s from %s", (f, text, over, expected) => {
    expect(stringValue(f, ctx(text, over))).toBe(expected);
  });
});

describe("vocabularyValue", () => {
  const sensors = ["instance_silent", "instance_stuck", "cert_expiring", "honeypot_access"];
  it.each([
    ["show the instance_silent settings", sensors, false, "instance_silent"],
    ["what is the silent threshold", sensors, false, "instance_silent"],
    ["show instance settings", sensors, false, undefined],
    ["collect facts from gpu-7-a", ["collect_facts", "stop", "reboot"], false, "collect_facts"],
    ["the stopped instances", ["collect_facts", "stop"], true, undefined],
    [
      "policies for instance recovery",
      ["instance.recover", "instance.reboot", "module.sync"],
      true,
      "instance.recover",
    ],
  ])("%s", (text, known, strict, expected) => {
    expect(vocabularyValue(known, analyze(text, NOW), strict)).toBe(expected);
  });
});
