// Supervisor of one local instance: `node supervisor.mjs <instanceDir> <stopGraceMs>`.
// Runs detached from the control plane so instances survive its restarts. It starts the workload
// once, records pids and the exit, and never restarts anything: restarts are the control plane's
// decision, taken from what this process wrote down.
import { spawn } from "node:child_process";
import { existsSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

const dir = process.argv[2];
const graceMs = Number(process.argv[3]) > 0 ? Number(process.argv[3]) : 10_000;
const file = (name) => path.join(dir, name);

let child = null;
let stopping = false;
let finished = false;

function log(msg) {
  process.stdout.write(`${new Date().toISOString()} supervisor[${process.pid}] ${msg}\n`);
}

function writeAtomic(name, content) {
  const tmp = `${file(name)}.${process.pid}.tmp`;
  writeFileSync(tmp, content, { mode: 0o600 });
  renameSync(tmp, file(name));
}

// The workload leads its own process group, so a signal reaches whatever it started too (the agent
// wrapper's agent process); the pid alone would leave those running.
function signalWorkload(sig) {
  if (!child || child.pid === undefined) return;
  try {
    process.kill(-child.pid, sig);
  } catch {
    try {
      child.kill(sig);
    } catch {
      // Already gone.
    }
  }
}

function finish(code, signal, error) {
  if (finished) return;
  finished = true;
  // Nothing the workload started may outlive the run the exit record describes.
  signalWorkload("SIGKILL");
  // The control plane may have written the marker before its signal reached us.
  const requested = stopping || existsSync(file("stop_requested"));
  const record = { code, signal, at: new Date().toISOString(), requested_stop: requested };
  if (error) record.error = error;
  try {
    writeAtomic("exit.json", `${JSON.stringify(record)}\n`);
    rmSync(file("child.pid"), { force: true });
    rmSync(file("supervisor.pid"), { force: true });
  } catch (err) {
    // The sandbox may already be gone (terminate); there is nobody left to tell.
    log(`could not record exit: ${err.message}`);
  }
  log(`workload ended code=${code} signal=${signal} requested_stop=${requested}`);
  process.exit(0);
}

function requestStop() {
  if (stopping) return;
  stopping = true;
  if (!child || child.exitCode !== null || child.signalCode !== null) {
    if (!child) finish(null, null);
    return;
  }
  log(`stopping workload pid=${child.pid} (grace ${graceMs} ms)`);
  signalWorkload("SIGTERM");
  setTimeout(() => {
    if (child.exitCode === null && child.signalCode === null) {
      log("grace period over, killing workload");
      signalWorkload("SIGKILL");
    }
  }, graceMs);
}

// Installed before any I/O so an early stop request is never lost to the default handler.
process.on("SIGTERM", requestStop);
process.on("SIGINT", requestStop);
process.on("SIGHUP", () => {});

function alreadySupervised() {
  try {
    const pid = Number.parseInt(readFileSync(file("supervisor.pid"), "utf8"), 10);
    if (!Number.isSafeInteger(pid) || pid === process.pid) return false;
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function main() {
  if (!dir || !existsSync(file("instance.json"))) {
    log(`no instance at ${dir}`);
    process.exit(2);
  }
  // A second supervisor for the same sandbox would start a second workload.
  if (alreadySupervised()) {
    log("another supervisor is alive for this sandbox; exiting");
    process.exit(0);
  }
  writeAtomic("supervisor.pid", `${process.pid}\n`);
  if (existsSync(file("stop_requested"))) return finish(null, null);

  const { workload } = JSON.parse(readFileSync(file("instance.json"), "utf8"));
  const home = file("home");
  const out = openSync(file("workload.log"), "a", 0o600);
  const env = {
    PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
    HOME: home,
    NODEPILOT_INSTANCE_DIR: dir,
    NODEPILOT_IDENTITY_FILE: file("identity.cfg"),
  };
  child = spawn(workload.command, workload.args, { cwd: home, env, stdio: ["ignore", out, out], detached: true });
  child.on("error", (err) => finish(null, null, err.message));
  child.on("exit", (code, signal) => finish(code, signal));
  if (child.pid !== undefined) {
    writeAtomic("child.pid", `${child.pid}\n`);
    log(`workload started pid=${child.pid}: ${workload.command} ${workload.args.join(" ")}`);
  }
}

main();
