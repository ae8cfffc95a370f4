// The nodepilot CLI: `start`, `migrate`, `worker`, `sim`, and one command per catalog operation.
import { allOperations, buildCatalog } from "@nodepilot/core";
import { Command } from "commander";
import { NODEPILOT_VERSION } from "../version.ts";
import { registerCatalogCommands } from "./catalog-commands.ts";
import { registerMcpCommand } from "./mcp-command.ts";
import { registerServeCommands } from "./serve-commands.ts";
import { registerSimCommand } from "./sim-command.ts";
import { registerWorkerCommand } from "./worker-command.ts";

export async function main(argv: string[]): Promise<void> {
  const program = new Command("nodepilot")
    .description("Nodepilot: run a fleet of machines by talking to it")
    .version(NODEPILOT_VERSION)
    .showHelpAfterError();
  registerServeCommands(program);
  registerSimCommand(program);
  registerWorkerCommand(program);
  registerMcpCommand(program);
  registerCatalogCommands(program, buildCatalog(allOperations));
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (err) {
    process.stderr.write(`nodepilot: ${(err as Error).message}\n`);
    process.exitCode = process.exitCode || 1;
  }
}
