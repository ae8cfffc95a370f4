// Process entry of `nodepilot-agent` (and of the esbuild bundle): the composition root.
import { main } from "./cli.ts";

const code = await main(process.argv.slice(2), {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  env: process.env,
});
process.exitCode = code;
