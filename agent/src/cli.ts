// The `nodepilot-agent` command line (spec/agent.md §1). `main(argv, io)` returns the exit code
// instead of exiting, so tests and the simulator can run it in process; src/main.ts exits.
import { readFile } from "node:fs/promises";
import { connect } from "node:tls";
import { parseArgs } from "node:util";
import type { IdentityRecord } from "@nodepilot/core/agent-protocol";
import { PlatformProblemError } from "./client/errors.ts";
import { PlatformClient } from "./client/platform-client.ts";
import { enroll } from "./enroll.ts";
import { EXIT, ExitError } from "./exit-codes.ts";
import { fetchModule } from "./fetch-module.ts";
import { attachedModules } from "./handlers/modules.ts";
import type { SourceName } from "./identity/outcome.ts";
import { type DiscoveryOptions, IdentityUnresolvedError, redactIdentity, resolveIdentity } from "./identity/resolve.ts";
import { readOutbox } from "./outbox/segments.ts";
import { rotateCertificate } from "./run/rotation.ts";
import { runAgent } from "./run/service.ts";
import { readOptional } from "./state/atomic.ts";
import { TaskJournal } from "./state/journal.ts";
import { certificateState, type NodePki, readPki } from "./state/pki.ts";
import { resolveStateDir, type StatePaths, statePaths } from "./state/state-dir.ts";
import { AGENT_VERSION, versionInfo } from "./version.ts";

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Record<string, string | undefined>;
}

const OPTIONS = {
  json: { type: "boolean" },
  "state-dir": { type: "string" },
  help: { type: "boolean", short: "h" },
  // identity / enroll
  source: { type: "string" },
  "identity-file": { type: "string" },
  "cmdline-path": { type: "string" },
  "sysfs-root": { type: "string" },
  "metadata-url": { type: "string" },
  token: { type: "string" },
  "platform-url": { type: "string" },
  ca: { type: "string" },
  subject: { type: "string" },
  force: { type: "boolean" },
  // run
  "heartbeat-interval": { type: "string" },
  "max-concurrent-tasks": { type: "string" },
  "boot-id-file": { type: "string" },
  "module-id": { type: "string" },
} as const;

/** How long `enroll` keeps retrying an unreachable or failing platform. */
const ENROLL_DEADLINE_MS = 5 * 60_000;

const USAGE = `usage: nodepilot-agent <command> [--json] [--state-dir DIR]
commands: enroll, run, status, identity, tasks [show <id>], rotate, fetch-module <digest>, version`;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>["values"];

class UsageError extends ExitError {
  constructor(message: string) {
    super(EXIT.usage, `${message}\n${USAGE}`);
  }
}

export async function main(argv: string[], io: CliIo): Promise<number> {
  let values: Values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true }));
  } catch (err) {
    io.stderr(`${(err as Error).message}\n${USAGE}\n`);
    return EXIT.usage;
  }
  const [command, ...rest] = positionals;
  const print = (value: unknown, text: string) =>
    io.stdout(values.json ? `${JSON.stringify(value, null, 2)}\n` : `${text}\n`);
  if (values.help || !command) {
    io.stdout(`${USAGE}\n`);
    return command || values.help ? EXIT.ok : EXIT.usage;
  }
  const paths = statePaths(resolveStateDir(values["state-dir"] ?? io.env.NODEPILOT_STATE_DIR));
  try {
    switch (command) {
      case "version": {
        const v = versionInfo();
        print(
          v,
          `nodepilot-agent ${v.version} (commit ${v.git_commit}, built ${v.build_date}, protocol ${v.protocol_version})`,
        );
        return EXIT.ok;
      }
      case "identity": {
        const { record, reports } = await discover(values, io);
        print(
          { identity: redactIdentity(record), sources: reports },
          `${record.source} won: instance ${record.instance_id} at ${record.platform_url}`,
        );
        return EXIT.ok;
      }
      case "enroll": {
        const { record } = await discover(values, io);
        const identity = await overrideIdentity(record, values);
        // Network errors and 5xx are retried with backoff until the enrollment deadline (§4).
        const { pki } = await enroll({
          identity,
          paths,
          force: values.force ?? false,
          retry: {
            deadline: new Date(Date.now() + ENROLL_DEADLINE_MS),
            onRetry: (err, attempt, delay) =>
              io.stderr(`enroll attempt ${attempt + 1} failed (${(err as Error).message}); retrying in ${delay} ms\n`),
          },
        });
        print({ enrolled: pki.meta }, `enrolled as ${pki.meta.mtls_subject} until ${pki.meta.not_after}`);
        return EXIT.ok;
      }
      case "run":
        return await runAgent({
          paths,
          ...(values["platform-url"] ? { platformUrl: values["platform-url"] } : {}),
          ...(values["heartbeat-interval"]
            ? { heartbeatSeconds: positiveInt(values["heartbeat-interval"], "--heartbeat-interval") }
            : {}),
          ...(values["max-concurrent-tasks"]
            ? { maxConcurrentTasks: positiveInt(values["max-concurrent-tasks"], "--max-concurrent-tasks") }
            : {}),
          ...((values["boot-id-file"] ?? io.env.NODEPILOT_BOOT_ID_FILE)
            ? { bootIdFile: values["boot-id-file"] ?? io.env.NODEPILOT_BOOT_ID_FILE }
            : {}),
          ...(values["cmdline-path"] ? { cmdlinePath: values["cmdline-path"] } : {}),
          log: (m) => io.stderr(`${new Date().toISOString()} ${m}\n`),
        });
      case "status": {
        const status = await statusReport(paths);
        print(status, renderStatus(status));
        return EXIT.ok;
      }
      case "tasks":
        return await tasksCommand(rest, paths, values, print);
      case "rotate": {
        const pki = await needPki(paths);
        const client = clientFor(pki, values);
        try {
          const next = await rotateCertificate(client, paths, pki);
          print(
            { rotated: next.meta },
            `rotated: certificate ${next.meta.certificate_id} until ${next.meta.not_after}`,
          );
        } finally {
          client.close();
        }
        return EXIT.ok;
      }
      case "fetch-module": {
        const digest = rest[0];
        if (!digest) throw new UsageError("fetch-module needs a digest");
        const client = clientFor(await needPki(paths), values);
        try {
          const out = await fetchModule(client, paths.cache, digest);
          print(out, `cached ${out.digest} (${out.size_bytes} bytes) at ${out.path}`);
        } finally {
          client.close();
        }
        return EXIT.ok;
      }
      default:
        throw new UsageError(`unknown command ${command}`);
    }
  } catch (err) {
    return fail(err, io, values.json ?? false);
  }
}

function fail(err: unknown, io: CliIo, json: boolean): number {
  let code: number = EXIT.error;
  let body: Record<string, unknown> = { error: "error", message: (err as Error).message ?? String(err) };
  if (err instanceof IdentityUnresolvedError) {
    code = EXIT.identityUnresolved;
    body = { error: "identity_unresolved", sources: err.reports };
  } else if (err instanceof ExitError) {
    code = err.exitCode;
    body = {
      error: code === EXIT.usage ? "usage" : "error",
      message: err.message,
      ...(err.details ? { details: err.details } : {}),
    };
  } else if (err instanceof PlatformProblemError) {
    body = { error: err.code, reason: err.reason ?? null, status: err.status, message: err.message };
  }
  if (json) io.stdout(`${JSON.stringify(body, null, 2)}\n`);
  if (err instanceof IdentityUnresolvedError) {
    io.stderr(
      `identity unresolved:\n${err.reports.map((r) => `  ${r.source}: ${r.status} — ${r.detail}`).join("\n")}\n`,
    );
  } else io.stderr(`${String(body.message)}\n`);
  return code;
}

function positiveInt(v: string, flag: string): number {
  const n = Number(v.replace(/s$/, ""));
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${flag} must be a positive integer`);
  return n;
}

async function discover(values: Values, io: CliIo) {
  const source = values.source as SourceName | undefined;
  const known = ["cmdline", "fw_cfg", "aws", "gcp", "azure", "digitalocean", "files", "claim"];
  if (source && !known.includes(source)) throw new UsageError(`--source must be one of ${known.join(", ")}`);
  const identityFile = values["identity-file"] ?? io.env.NODEPILOT_IDENTITY_FILE;
  const opts: DiscoveryOptions = {
    ...(identityFile ? { identityFile } : {}),
    ...(values["cmdline-path"] ? { cmdlinePath: values["cmdline-path"] } : {}),
    ...(values["sysfs-root"] ? { sysfsRoot: values["sysfs-root"] } : {}),
    ...(values["metadata-url"] ? { metadataBaseUrl: values["metadata-url"] } : {}),
    ...(source ? { only: source } : {}),
    // Source 8 reads the box's MAC and DMI UUID under --sysfs-root; NODEPILOT_CLAIM_CONSOLE moves
    // (or, empty, silences) the console copy of the claim code, which always goes to stderr.
    claim: {
      ...(values["sysfs-root"] ? { sysfsRoot: values["sysfs-root"] } : {}),
      ...(io.env.NODEPILOT_CLAIM_CONSOLE === undefined ? {} : { consolePath: io.env.NODEPILOT_CLAIM_CONSOLE || null }),
      log: (line) => io.stderr(`${line}\n`),
    },
  };
  return resolveIdentity(opts);
}

/** `enroll --token/--platform-url/--ca/--subject` override or check what discovery found. */
async function overrideIdentity(record: IdentityRecord, values: Values): Promise<IdentityRecord> {
  const next = { ...record };
  if (values.token) next.bootstrap_token = values.token;
  if (values["platform-url"]) next.platform_url = values["platform-url"];
  if (values.ca) next.ca_bundle_pem = await readFile(values.ca, "utf8");
  if (values.subject && values.subject !== next.instance_id) {
    throw new ExitError(
      EXIT.enrollmentRefused,
      `identity says instance ${next.instance_id}, --subject expects ${values.subject}`,
    );
  }
  return next;
}

async function needPki(paths: StatePaths): Promise<NodePki> {
  const pki = await readPki(paths);
  if (!pki) throw new ExitError(EXIT.enrollmentRefused, `not enrolled: no PKI in ${paths.pki}`);
  return pki;
}

function clientFor(pki: NodePki, values: Values): PlatformClient {
  return new PlatformClient({
    platformUrl: values["platform-url"] ?? pki.meta.platform_url,
    caBundlePem: pki.caBundlePem,
    agentVersion: AGENT_VERSION,
    credentials: { keyPem: pki.keyPem, certPem: pki.certPem },
  });
}

/** TLS handshake with the client certificate: reachability without side effects. */
function reachable(pki: NodePki): Promise<{ reachable: boolean; detail: string }> {
  const url = new URL(pki.meta.platform_url);
  return new Promise((resolve) => {
    const socket = connect({
      host: url.hostname,
      port: Number(url.port || 443),
      servername: /^[\d.]+$|:/.test(url.hostname) ? undefined : url.hostname,
      ca: pki.caBundlePem,
      key: pki.keyPem,
      cert: pki.certPem,
      minVersion: "TLSv1.3",
      timeout: 5_000,
    });
    socket.once("secureConnect", () => {
      socket.end();
      resolve({ reachable: true, detail: `TLS ${socket.getProtocol()} handshake ok` });
    });
    socket.once("timeout", () => {
      socket.destroy();
      resolve({ reachable: false, detail: "timed out" });
    });
    socket.once("error", (e) => resolve({ reachable: false, detail: e.message }));
  });
}

async function statusReport(paths: StatePaths) {
  const pki = await readPki(paths);
  const journal = new TaskJournal(paths.journal);
  const entries = await journal.load();
  const lkg = await readOptional(`${paths.root}/assignment-lkg.json`);
  // Read-only: a running service owns the outbox, status only looks.
  const outbox = await readOutbox(paths.outbox);
  const reports = entries.filter((e) => e.phase === "reporting").length;
  return {
    state_dir: paths.root,
    enrolled: pki !== null,
    certificate: pki
      ? {
          ...certificateState(pki.certPem, new Date()),
          certificate_id: pki.meta.certificate_id,
          instance_id: pki.meta.instance_id,
        }
      : null,
    platform: pki ? { url: pki.meta.platform_url, ...(await reachable(pki)) } : null,
    modules: { attached: await attachedModules(paths.modules), available: [], failed: [] },
    lkg: { present: lkg !== null },
    journal_entries: entries.length,
    outbox_depth: outbox.entries.length + reports,
    outbox: { events: outbox.entries.length, task_reports: reports, dropped_events: outbox.counters.dropped },
  };
}

function renderStatus(s: Awaited<ReturnType<typeof statusReport>>): string {
  const lines = [`state dir: ${s.state_dir}`];
  if (!s.certificate) lines.push("not enrolled");
  else {
    lines.push(
      `certificate: ${s.certificate.subject} valid=${s.certificate.valid} until ${s.certificate.not_after} (${Math.floor(s.certificate.seconds_left / 86400)} d left)`,
    );
    lines.push(
      `platform: ${s.platform?.url} ${s.platform?.reachable ? "reachable" : `unreachable (${s.platform?.detail})`}`,
    );
  }
  lines.push(
    `modules attached: ${s.modules.attached.length}; lkg: ${s.lkg.present ? "present" : "none"}; outbox depth: ${s.outbox_depth} (${s.outbox.events} events, ${s.outbox.task_reports} task reports; ${s.outbox.dropped_events} events dropped)`,
  );
  return lines.join("\n");
}

async function tasksCommand(
  rest: string[],
  paths: StatePaths,
  values: Values,
  print: (v: unknown, t: string) => void,
): Promise<number> {
  const journal = new TaskJournal(paths.journal);
  const entries = await journal.load();
  if (rest.length === 0) {
    print(
      { journal: entries },
      entries.length === 0
        ? "journal empty"
        : entries.map((e) => `${e.task_id} ${e.command} ${e.phase} attempt ${e.attempt}/${e.max_attempts}`).join("\n"),
    );
    return EXIT.ok;
  }
  if (rest[0] !== "show" || !rest[1]) throw new UsageError("usage: tasks [show <id>]");
  const id = rest[1];
  const entry = journal.get(id) ?? null;
  const pki = await readPki(paths);
  let server: unknown = null;
  if (pki) {
    const client = clientFor(pki, values);
    try {
      server = await client.getTask(id);
    } catch (err) {
      if (!(err instanceof PlatformProblemError && err.status === 404)) throw err;
    } finally {
      client.close();
    }
  }
  if (!entry && !server)
    throw new ExitError(EXIT.error, `task ${id} is neither in the journal nor visible to this instance`);
  print({ journal: entry, server }, JSON.stringify({ journal: entry, server }, null, 2));
  return EXIT.ok;
}
