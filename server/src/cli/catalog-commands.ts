// `nodepilot <resource> <verb>`: one command per operator operation of the catalog (spec/mcp.md §2),
// calling the REST API over HTTP. Options come from the operation's input schema; the command adds
// no behaviour of its own beyond turning argv into input and the response into text.
import type { AnyOperation, Catalog } from "@nodepilot/core";
import { type Command, type CommanderError, InvalidArgumentError } from "commander";
import { z } from "zod";
import { ApiClient, ApiError, resolveBaseUrl, resolveToken } from "./api-client.ts";
import { CliError, type CliIo, processIo } from "./cli-io.ts";
import { describeFailure } from "./failure-output.ts";
import {
  buildOptions,
  collectInput,
  exampleArgs,
  fieldAttributes,
  inputPlan,
  kebab,
  pathParams,
} from "./input-options.ts";
import { renderHuman } from "./render.ts";
import { followTask, startedTask } from "./task-follow.ts";

export const resourceOf = (opName: string) => opName.slice(0, opName.lastIndexOf("."));
export const verbOf = (opName: string) => opName.slice(opName.lastIndexOf(".") + 1);

// Commander's parse failures are usage errors: exit 2, as is `nodepilot <resource>` without a verb.
const USAGE_CODES = new Set([
  "commander.unknownOption",
  "commander.unknownCommand",
  "commander.missingArgument",
  "commander.optionMissingArgument",
  "commander.missingMandatoryOptionValue",
  "commander.invalidArgument",
  "commander.excessArguments",
  "commander.conflictingOption",
  "nodepilot.usage",
]);

export function exitCodeFor(err: CommanderError): number {
  if (USAGE_CODES.has(err.code)) return 2;
  if (err.code === "commander.help" && err.exitCode !== 0) return 2;
  return err.exitCode;
}

/** Operator operations grouped by resource, resources sorted, verbs in catalog order. */
export function commandGroups(catalog: Catalog): Map<string, AnyOperation[]> {
  const groups = new Map<string, AnyOperation[]>();
  for (const op of catalog.operations) {
    if (op.principal !== "operator") continue;
    const resource = resourceOf(op.name);
    groups.set(resource, [...(groups.get(resource) ?? []), op]);
  }
  return new Map([...groups.entries()].sort(([a], [b]) => a.localeCompare(b)));
}

/** Names of the CLI's own options, moved aside when an input field already uses the name. */
function controlOptions(op: AnyOperation) {
  const taken = fieldAttributes(op);
  return {
    json: taken.has("json") ? { flag: "output-json", key: "outputJson" } : { flag: "json", key: "json" },
    url: taken.has("url") ? { flag: "api-url", key: "apiUrl" } : { flag: "url", key: "url" },
    wait: taken.has("wait") ? { flag: "follow", key: "follow" } : { flag: "wait", key: "wait" },
  };
}

/** Whether the operation can answer `{task}` (task-backed, or its output schema has a task). */
export function returnsTask(op: AnyOperation): boolean {
  if (op.effect === "read") return false;
  if (op.taskCommand) return true;
  const shapes = op.output instanceof z.ZodUnion ? op.output.options : [op.output];
  return shapes.some((s) => s instanceof z.ZodObject && "task" in s.shape);
}

function longDescription(op: AnyOperation): string {
  const facts = [`scope ${op.scope}`, `effect ${op.effect}`];
  if (op.taskCommand) facts.push(`starts a ${op.taskCommand} task`);
  if (op.returnsSecret) facts.push("the response carries a secret, shown once");
  const deprecated = op.deprecated
    ? `Deprecated since ${op.deprecated.since}: use ${op.deprecated.use_instead}.\n\n`
    : "";
  return `${deprecated}${op.title}.\n\n${op.description}\n\n(${facts.join("; ")})`;
}

function examplesHelp(op: AnyOperation, prefix: string): string {
  const plan = inputPlan(op);
  const lines = op.examples.map((ex) => `  # ${ex.phrase}\n  $ ${[prefix, ...exampleArgs(plan, ex.input)].join(" ")}`);
  return `\nExamples:\n${lines.join("\n")}`;
}

function registerOperation(group: Command, op: AnyOperation, io: CliIo, onExit: (err: CommanderError) => void) {
  const verb = verbOf(op.name);
  const ctl = controlOptions(op);
  const params = pathParams(op.http.path);
  const cmd = group
    .command(verb)
    .summary(op.deprecated ? `${op.title} (deprecated: use ${op.deprecated.use_instead})` : op.title)
    .description(longDescription(op))
    .exitOverride(onExit)
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  if (verb.includes("_")) cmd.alias(kebab(verb));
  for (const p of params) cmd.argument(`<${p}>`);
  cmd.option(`--${ctl.json.flag}`, "Print the raw JSON response.");
  cmd.option(`--${ctl.url.flag} <url>`, "Server URL (default: NODEPILOT_URL, else http://127.0.0.1:$PORT, port 8080).");
  const startsTasks = returnsTask(op);
  if (startsTasks) {
    cmd.option(`--${ctl.wait.flag}`, "Follow a started task to its end (default on a terminal).");
    cmd.option(`--no-${ctl.wait.flag}`, "Return as soon as the task is queued.");
  }

  // Field options are built on first use: the schema walk costs more than all other registration.
  let attached = false;
  const attach = () => {
    if (attached) return;
    attached = true;
    const plan = inputPlan(op);
    for (const option of buildOptions(plan)) cmd.addOption(option);
    plan.positionals.forEach((spec, i) => {
      const arg = cmd.registeredArguments[i];
      if (arg) arg.description = spec.description || `The ${spec.field}.`;
    });
    cmd.addHelpText("after", examplesHelp(op, `nodepilot ${resourceOf(op.name)} ${verb}`));
  };
  cmd.on("beforeHelp", attach);

  cmd.action(async (...args: unknown[]) => {
    const self = args[args.length - 1] as Command;
    const opts = self.opts() as Record<string, unknown>;
    let input: Record<string, unknown>;
    try {
      const collected = collectInput(inputPlan(op), opts, args.slice(0, params.length) as string[]);
      if (collected.missing.length > 0) {
        const s = collected.missing.length > 1 ? "s" : "";
        self.error(`error: missing required option${s} ${collected.missing.join(", ")}`, {
          exitCode: 2,
          code: "nodepilot.usage",
        });
      }
      input = collected.input;
    } catch (err) {
      if (!(err instanceof InvalidArgumentError)) throw err;
      return self.error(`error: ${err.message}`, { exitCode: 2, code: "nodepilot.usage" });
    }
    try {
      const client = new ApiClient(
        resolveBaseUrl(opts[ctl.url.key] as string | undefined, io.env),
        resolveToken(io.env),
        io.fetch,
      );
      const res = await client.call(op, input);
      if (!res.json) {
        const text = String(res.body);
        io.stdout(text.endsWith("\n") || text === "" ? text : `${text}\n`);
      } else if (opts[ctl.json.key]) {
        io.stdout(`${JSON.stringify(res.body, null, 2)}\n`);
      } else {
        const out = renderHuman(res.body);
        io.stdout(out.stdout);
        if (out.stderr) io.stderr(out.stderr);
      }
      const task = startedTask(res.body);
      const wait = (opts[ctl.wait.key] as boolean | undefined) ?? io.isTTY;
      if (task && startsTasks && wait) {
        const final = await followTask(client, task.id, (line) => io.stderr(`${line}\n`));
        if (final.status !== "succeeded") {
          const why = [final.error_code, final.error_message].filter(Boolean).join(": ");
          io.stderr(`task ${final.id} ended ${final.status}${why ? `: ${why}` : ""}\n`);
          io.setExitCode(1);
        }
      }
    } catch (err) {
      if (!(err instanceof ApiError) && !(err instanceof CliError)) throw err;
      io.stderr(describeFailure(err));
      io.setExitCode(err instanceof CliError ? err.exitCode : 1);
    }
  });
  return { cmd, attach };
}

/** Register `<resource> <verb>` for every operator operation; `-` works for `_` in both names. */
export function registerCatalogCommands(program: Command, catalog: Catalog, io: CliIo = processIo()): void {
  const onExit = (err: CommanderError) => io.exit(exitCodeFor(err));
  program.exitOverride(onExit);
  // Root options (-V/--version) end at the command name, so `node update <id> --version 3` is the field.
  program.enablePositionalOptions();
  for (const [resource, ops] of commandGroups(catalog)) {
    const group = program
      .command(resource)
      .summary(ops.map((op) => verbOf(op.name)).join(", "))
      .description(`Operations on ${resource}: ${ops.map((op) => verbOf(op.name)).join(", ")}.`)
      .exitOverride(onExit)
      .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
    if (resource.includes("_")) group.alias(kebab(resource));
    const attachers = new Map<Command, () => void>();
    for (const op of ops) {
      const { cmd, attach } = registerOperation(group, op, io, onExit);
      attachers.set(cmd, attach);
    }
    group.hook("preSubcommand", (_group, verbCommand) => attachers.get(verbCommand)?.());
  }
}
