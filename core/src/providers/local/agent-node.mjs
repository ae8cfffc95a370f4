// Workload of a local instance that runs the real on-node agent:
// `node agent-node.mjs <path to nodepilot-agent.mjs>`, started by the supervisor in the sandbox.
// It enrolls once (identity.cfg carries the bootstrap token), then runs the service loop, the way
// a machine's boot phase and service do. Paths come from the supervisor's environment, so one
// workload record serves every sandbox.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";

const agentBin = process.argv[2];
const dir = process.env.NODEPILOT_INSTANCE_DIR;
const identityFile = process.env.NODEPILOT_IDENTITY_FILE;

function log(msg) {
  process.stdout.write(`${new Date().toISOString()} agent-node[${process.pid}] ${msg}\n`);
}

if (!agentBin || !existsSync(agentBin) || !dir || !identityFile) {
  log(`cannot start the agent: bin=${agentBin} instance_dir=${dir} identity_file=${identityFile}`);
  process.exit(1);
}

const stateDir = path.join(dir, "state");
let current = null;
let stopping = false;

// Forwarded so a graceful stop of the instance drains the agent (it exits 0 on SIGTERM).
for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => {
    stopping = true;
    if (current) current.kill(signal);
    else process.exit(0);
  });
}

function agent(args) {
  return new Promise((resolve) => {
    current = spawn(process.execPath, [agentBin, ...args, "--state-dir", stateDir], {
      stdio: "inherit",
      env: process.env,
    });
    current.on("error", (err) => {
      log(`could not spawn the agent: ${err.message}`);
      resolve(1);
    });
    current.on("exit", (code, signal) => {
      current = null;
      resolve(code ?? (signal ? 128 : 1));
    });
  });
}

// Enrolled already (a restart of the instance): the persisted certificate is the identity now.
if (!existsSync(path.join(stateDir, "pki", "node.crt"))) {
  log("enrolling");
  const code = await agent(["enroll", "--identity-file", identityFile]);
  if (code !== 0 || stopping) {
    log(`enroll exited with ${code}`);
    process.exit(stopping ? 0 : code);
  }
}
log("running");
// The boot-id file makes the agent report this sandbox's boot, and reboot the sandbox, not the host.
const code = await agent(["run", "--boot-id-file", path.join(dir, "boot_id")]);
log(`run exited with ${code}`);
process.exit(code);
