#!/usr/bin/env node
// Bundles the agent into one self-contained file, dist/nodepilot-agent.mjs, runnable with plain
// `node` (no tsx, no node_modules). Version, commit and build date are baked in.
import { chmodSync, existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));
/** NODEPILOT_GIT_COMMIT, else HEAD read from the checkout's .git; "unknown" outside a checkout. */
function gitCommit() {
  if (process.env.NODEPILOT_GIT_COMMIT) return process.env.NODEPILOT_GIT_COMMIT;
  const gitDir = path.join(root, "..", ".git");
  if (!existsSync(path.join(gitDir, "HEAD"))) return "unknown";
  const head = readFileSync(path.join(gitDir, "HEAD"), "utf8").trim();
  if (!head.startsWith("ref: ")) return head.slice(0, 12);
  const ref = head.slice(5);
  const loose = path.join(gitDir, ref);
  if (existsSync(loose)) return readFileSync(loose, "utf8").trim().slice(0, 12);
  const packed = existsSync(path.join(gitDir, "packed-refs"))
    ? readFileSync(path.join(gitDir, "packed-refs"), "utf8")
    : "";
  const line = packed.split("\n").find((l) => l.endsWith(` ${ref}`));
  return line ? line.slice(0, 12) : "unknown";
}
const commit = gitCommit();
const outfile = path.join(root, "dist", "nodepilot-agent.mjs");

await build({
  entryPoints: [path.join(root, "src", "main.ts")],
  outfile,
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  minify: false,
  sourcemap: false,
  legalComments: "none",
  // CommonJS dependencies (reflect-metadata, tsyringe) call require(); give the ESM bundle one.
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __npCreateRequire } from 'node:module';\nconst require = __npCreateRequire(import.meta.url);",
  },
  define: {
    __NODEPILOT_AGENT_VERSION__: JSON.stringify(pkg.version),
    __NODEPILOT_GIT_COMMIT__: JSON.stringify(commit),
    __NODEPILOT_BUILD_DATE__: JSON.stringify(new Date().toISOString()),
  },
});
chmodSync(outfile, 0o755);
console.log(`built ${path.relative(process.cwd(), outfile)}`);
