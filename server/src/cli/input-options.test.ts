// Option generation from input schemas: kinds, flags, positionals, parsing argv back into input.
import { type AnyOperation, allOperations, buildCatalog } from "@nodepilot/core";
import { Command, InvalidArgumentError } from "commander";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { buildOptions, collectInput, exampleArgs, inputPlan, parseFieldValue, shellQuote } from "./input-options.ts";

const catalog = buildCatalog(allOperations);
const op = (name: string) => {
  const found = catalog.get(name);
  if (!found) throw new Error(`${name} is not in the catalog`);
  return found;
};

/** A synthetic operation: only the fields option generation reads matter. */
function syntheticOp(input: z.ZodObject, path: string, method: "GET" | "POST" = "POST"): AnyOperation {
  return {
    name: "probe.run",
    title: "Run a probe",
    alwaysGated: false,
    description: "Test operation.",
    examples: [
      { phrase: "run it", input: {} },
      { phrase: "run it again", input: {} },
    ],
    input,
    output: z.strictObject({}),
    scope: "fleet:write",
    effect: "write",
    actionCategory: "probe.run",
    idempotent: true,
    principal: "operator",
    returnsSecret: false,
    openWorld: false,
    list: false,
    http: { method, path, status: 200 },
    execute: async () => ({}),
  };
}

const probe = syntheticOp(
  z.strictObject({
    id: z.uuid(),
    group_id: z.string(),
    count: z.number().int().min(1).default(3),
    ratio: z.number().optional(),
    force: z.boolean().optional(),
    mode: z.enum(["fast", "slow"]).optional(),
    tags: z.array(z.string()).optional(),
    ports: z.array(z.number().int()).optional(),
    rules: z.array(z.strictObject({ port: z.number() })).optional(),
    labels: z.record(z.string(), z.string()).optional(),
    note: z.string().nullable().optional(),
    target: z.union([z.string(), z.number()]).optional(),
  }),
  "/groups/:group_id/probes/:id/run",
);

/** Parse argv with the generated options, as commander would for the real command. */
function parse(target: AnyOperation, argv: string[]) {
  const plan = inputPlan(target);
  const cmd = new Command("x").exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  for (const p of plan.positionals) cmd.argument(`<${p.field}>`);
  for (const o of buildOptions(plan)) cmd.addOption(o);
  cmd.parse(argv, { from: "user" });
  return collectInput(plan, cmd.opts(), cmd.args);
}

describe("inputPlan", () => {
  it("makes path params positionals in path order and every other field an option", () => {
    const plan = inputPlan(probe);
    expect(plan.positionals.map((p) => p.field)).toEqual(["group_id", "id"]);
    expect(plan.options.map((o) => o.field)).not.toContain("id");
    const byField = Object.fromEntries(plan.options.map((o) => [o.field, o]));
    expect(byField.count).toMatchObject({ kind: "integer", required: false, defaultValue: 3 });
    expect(byField.ratio).toMatchObject({ kind: "number" });
    expect(byField.force).toMatchObject({ kind: "boolean" });
    expect(byField.mode).toMatchObject({ kind: "string", choices: ["fast", "slow"] });
    expect(byField.tags).toMatchObject({ kind: "array", itemKind: "string" });
    expect(byField.ports).toMatchObject({ kind: "array", itemKind: "integer" });
    expect(byField.rules).toMatchObject({ kind: "array", itemKind: "object" });
    expect(byField.labels).toMatchObject({ kind: "object" });
    expect(byField.note).toMatchObject({ kind: "string", nullable: true });
    expect(byField.target).toMatchObject({ kind: "json" });
  });

  it("marks required fields and kebab-cases flags for node.create", () => {
    const plan = inputPlan(op("node.create"));
    const required = plan.options.filter((o) => o.required).map((o) => o.flag);
    expect(required.sort()).toEqual(["name", "node-template-id"]);
    expect(plan.options.find((o) => o.field === "node_template_id")).toMatchObject({ format: "uuid", kind: "string" });
  });

  it("builds options for every operator operation in the catalog without clashes", () => {
    for (const target of catalog.operations.filter((o) => o.principal === "operator")) {
      const cmd = new Command(target.name);
      expect(() => {
        for (const o of buildOptions(inputPlan(target))) cmd.addOption(o);
      }, target.name).not.toThrow();
    }
  });
});

describe("argv → input", () => {
  it("parses numbers, booleans, enums, arrays, objects, null and positionals", () => {
    const { input, missing } = parse(probe, [
      "g-1",
      "0190a0a0-0000-7000-8000-000000000001",
      "--count",
      "7",
      "--ratio",
      "0.5",
      "--no-force",
      "--mode",
      "fast",
      "--tags",
      "a,b",
      "--tags",
      "c",
      "--ports",
      "[80, 443]",
      "--rules",
      '{"port":22}',
      "--rules",
      '{"port":23}',
      "--labels",
      '{"site":"ams"}',
      "--note",
      "null",
      "--target",
      "42",
    ]);
    expect(missing).toEqual([]);
    expect(input).toEqual({
      group_id: "g-1",
      id: "0190a0a0-0000-7000-8000-000000000001",
      count: 7,
      ratio: 0.5,
      force: false,
      mode: "fast",
      tags: ["a", "b", "c"],
      ports: [80, 443],
      rules: [{ port: 22 }, { port: 23 }],
      labels: { site: "ams" },
      note: null,
      target: 42,
    });
  });

  it("leaves unset options out so server defaults apply", () => {
    const { input } = parse(probe, ["g", "i"]);
    expect(input).toEqual({ group_id: "g", id: "i" });
    expect(parse(probe, ["g", "i", "--force"]).input.force).toBe(true);
    expect(parse(probe, ["g", "i", "--target", "null"]).input.target).toBeNull();
    expect(parse(probe, ["g", "i", "--target", "edge"]).input.target).toBe("edge");
  });

  it("accepts the snake_case spelling of a flag too", () => {
    const { input } = parse(op("node.create"), [
      "--name",
      "edge-1",
      "--node_template_id",
      "t-1",
      "--no-allocate_public_ip",
    ]);
    expect(input).toEqual({ name: "edge-1", node_template_id: "t-1", allocate_public_ip: false });
  });

  it("reports missing required options by flag", () => {
    expect(parse(op("node.create"), ["--name", "edge-1"]).missing).toEqual(["--node-template-id"]);
  });

  it("rejects values of the wrong type as invalid arguments", () => {
    expect(() => parse(probe, ["g", "i", "--count", "abc"])).toThrow(/--count <n>.*expected a number/);
    expect(() => parse(probe, ["g", "i", "--count", "1.5"])).toThrow(/whole number/);
    expect(() => parse(probe, ["g", "i", "--mode", "medium"])).toThrow(/one of fast, slow/);
    expect(() => parse(probe, ["g", "i", "--labels", "site=ams"])).toThrow(/expected JSON/);
    expect(() => parse(probe, ["g", "i", "--labels", "[1]"])).toThrow(/JSON object/);
    expect(() => parse(probe, ["g", "i", "--ports", "80,http"])).toThrow(/expected a number/);
    const spec = inputPlan(probe).options.find((o) => o.field === "count")!;
    expect(() => parseFieldValue(spec, "")).toThrow(InvalidArgumentError);
  });

  it("keeps a literal 'null' as text for fields that are not nullable", () => {
    const { input } = parse(op("node.create"), ["--name", "null", "--node-template-id", "t"]);
    expect(input.name).toBe("null");
  });
});

describe("help examples", () => {
  it("renders an example input as a command line that parses back to the same input", () => {
    const example = {
      name: "gpu-7",
      node_template_id: "<template id>",
      config: { labels: { role: "gpu" } },
      enabled: false,
    };
    const args = exampleArgs(inputPlan(op("node.create")), example);
    expect(args.join(" ")).toBe(
      `--name gpu-7 --node-template-id '<template id>' --no-enabled --config '{"labels":{"role":"gpu"}}'`,
    );
    const unquoted = args.map((a) => a.replace(/^'(.*)'$/, "$1"));
    expect(parse(op("node.create"), unquoted).input).toEqual(example);
  });

  it("quotes for a POSIX shell", () => {
    expect(shellQuote("plain-word_1.2")).toBe("plain-word_1.2");
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(shellQuote("a b")).toBe("'a b'");
  });
});
