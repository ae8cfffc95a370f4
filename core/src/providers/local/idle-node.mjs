// Default workload of a local instance when no agent command is configured: a real, idle process
// that proves it is alive by rewriting `heartbeat` (an ISO timestamp) in its cwd every second.
import { renameSync, writeFileSync } from "node:fs";

let timer;
// Installed before the first heartbeat, so a visible heartbeat means a stop will be clean (exit 0).
process.on("SIGTERM", () => {
  clearInterval(timer);
  process.exit(0);
});

function beat() {
  // Rename so a reader never sees an empty file mid-write.
  writeFileSync("heartbeat.tmp", `${new Date().toISOString()}\n`);
  renameSync("heartbeat.tmp", "heartbeat");
}

beat();
timer = setInterval(beat, 1000);
