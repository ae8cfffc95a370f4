// The `local` provider (spec/domain.md §4.4): each instance is a real, supervised process tree in a
// sandboxed directory under rootDir. All state is read back from disk and live pids, so instances
// outlive a control-plane restart and a new adapter over the same rootDir sees them unchanged.
import { randomUUID } from "node:crypto";
import { chmod, mkdir, readdir, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type {
  Architecture,
  Capability,
  CatalogSnapshot,
  CreateInstanceParams,
  ExpectedName,
  InstanceInfo,
  InstanceStatus,
  ListInstancesFilter,
  ListInstancesResult,
  ProviderCallContext,
} from "../adapter.ts";
import { BaseProviderAdapter } from "../base-adapter.ts";
import { ConflictError, InvalidRequestError, ResourceNotFoundError } from "../errors.ts";
import { boot, halt } from "./lifecycle.ts";
import {
  hostArchitecture,
  LOCAL_IMAGE,
  LOCAL_INSTANCE_TYPES,
  LOCAL_REGION,
  LOCAL_ZONE,
  localCatalog,
} from "./local-catalog.ts";
import { localStatus, observeSandbox, type SandboxObservation } from "./local-status.ts";
import { assertCallable, pollUntil } from "./poll.ts";
import {
  cloudIdForToken,
  FILES,
  type InstanceRecord,
  isCloudId,
  renderIdentityCfg,
  type SandboxPaths,
  sandboxPaths,
  writeFileAtomic,
} from "./sandbox.ts";

export interface LocalProviderOptions {
  rootDir: string;
  /** What each instance runs; undefined runs the built-in idle workload (a heartbeat writer). */
  workload: { command: string; args: string[] } | undefined;
  /**
   * The workload is the real agent (agentWorkload): a new instance is refused unless its identity
   * carries the bootstrap token, platform URL and CA the agent enrolls with.
   */
  requireIdentity?: boolean;
  /** How long a graceful stop waits before SIGKILL (default 10 s). */
  stopGraceMs?: number;
  clock?: () => Date;
}

// How long start/create wait for the workload's pid before returning `starting` for the caller to poll.
const START_WAIT_MS = 5_000;
const opts = { providerType: "local" } as const;

export class LocalProvider extends BaseProviderAdapter {
  readonly providerType = "local" as const;
  readonly capabilities: ReadonlySet<Capability> = new Set<Capability>(["instances", "sync"]);

  private readonly rootDir: string;
  private readonly workload: { command: string; args: string[] };
  private readonly graceMs: number;
  private readonly requireIdentity: boolean;

  get needsAgentEndpoint(): boolean {
    return this.requireIdentity;
  }
  private readonly clock: () => Date;
  private readonly architecture: Architecture | null = hostArchitecture();
  // Operations on one instance run one at a time, so two calls can never both boot it.
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(options: LocalProviderOptions) {
    super();
    this.rootDir = path.resolve(options.rootDir);
    this.workload = options.workload ?? {
      command: process.execPath,
      args: [fileURLToPath(new URL("./idle-node.mjs", import.meta.url))],
    };
    this.graceMs = options.stopGraceMs ?? 10_000;
    this.requireIdentity = options.requireIdentity ?? false;
    this.clock = options.clock ?? (() => new Date());
  }

  async testConnection(_ctx: ProviderCallContext) {
    const started = Date.now();
    try {
      if (!this.architecture) throw new Error(`unsupported host architecture ${process.arch}`);
      await this.ensureRoot();
      const probe = path.join(this.rootDir, `.probe-${randomUUID()}`);
      await writeFile(probe, "ok\n", { mode: 0o600 });
      await rm(probe, { force: true });
      return { ok: true, message: `${this.rootDir} is writable`, latencyMs: Date.now() - started };
    } catch (err) {
      return {
        ok: false,
        message: `local provider unusable: ${(err as Error).message}`,
        latencyMs: Date.now() - started,
      };
    }
  }

  async getMetadata(_ctx: ProviderCallContext): Promise<CatalogSnapshot> {
    return localCatalog(this.hostArch());
  }

  override async createInstance(p: CreateInstanceParams, ctx: ProviderCallContext): Promise<InstanceInfo> {
    assertCallable(ctx, "createInstance");
    const record = this.newRecord(p, ctx.idempotencyToken);
    const paths = this.paths(record.cloud_instance_id);
    return this.serialize(record.cloud_instance_id, async () => {
      let o = await observeSandbox(paths);
      if (!o) {
        this.assertIdentity(p);
        await this.materialise(paths, record, p);
        o = await this.observe(paths);
        ctx.logger.info("local instance created", { cloud_instance_id: record.cloud_instance_id, dir: paths.dir });
      }
      this.assertSameRequest(o.record, record);
      // Only a never-booted sandbox is booted here (a crash between materialise and boot); a retry
      // against a machine that already ran, or runs, returns it as it is.
      if (localStatus(o) === "pending") return this.bootAndWait(paths, ctx);
      return this.info(o);
    });
  }

  override async startInstance(id: string, ctx: ProviderCallContext): Promise<InstanceInfo> {
    assertCallable(ctx, "startInstance");
    const paths = this.paths(id);
    return this.serialize(id, async () => {
      let o = await this.observe(paths);
      if (localStatus(o) === "stopping") {
        await pollUntil(
          async () => localStatus(await this.observe(paths)) !== "stopping",
          this.graceMs + 5_000,
          ctx,
          "stop",
        );
        o = await this.observe(paths);
      }
      const status = localStatus(o);
      if (status === "running" || status === "starting") return this.info(o);
      if (status === "stopping") throw new ConflictError(`local instance ${id} is still stopping`, opts);
      ctx.logger.info("local instance starting", { cloud_instance_id: id });
      return this.bootAndWait(paths, ctx);
    });
  }

  override async stopInstance(id: string, o: { force?: boolean }, ctx: ProviderCallContext): Promise<InstanceInfo> {
    assertCallable(ctx, "stopInstance");
    const paths = this.paths(id);
    return this.serialize(id, async () => {
      const before = await this.observe(paths);
      if (before.supervisorAlive || before.childAlive) {
        ctx.logger.info("local instance stopping", { cloud_instance_id: id, force: o.force === true });
        await halt(paths, before, { force: o.force === true, graceMs: this.graceMs }, ctx);
      }
      return this.info(await this.observe(paths));
    });
  }

  override async rebootInstance(id: string, ctx: ProviderCallContext): Promise<InstanceInfo> {
    assertCallable(ctx, "rebootInstance");
    const paths = this.paths(id);
    return this.serialize(id, async () => {
      const before = await this.observe(paths);
      const status = localStatus(before);
      if (status !== "running" && status !== "starting") {
        throw new ConflictError(`local instance ${id} is ${status}; only a running instance reboots`, opts);
      }
      ctx.logger.info("local instance rebooting", { cloud_instance_id: id });
      await halt(paths, before, { force: false, graceMs: this.graceMs }, ctx);
      return this.bootAndWait(paths, ctx);
    });
  }

  override async terminateInstance(id: string, o: ExpectedName, ctx: ProviderCallContext): Promise<void> {
    assertCallable(ctx, "terminateInstance");
    const paths = this.paths(id);
    await this.serialize(id, async () => {
      const before = await this.observe(paths, o.expectedName);
      if (before.supervisorAlive || before.childAlive) {
        await halt(paths, before, { force: false, graceMs: this.graceMs }, ctx);
      }
      // Renamed away first, so a crash halfway through the removal never leaves a half sandbox
      // that still reads as an instance.
      const doomed = path.join(this.rootDir, `.terminated-${id}-${randomUUID()}`);
      await rename(paths.dir, doomed);
      await rm(doomed, { recursive: true, force: true });
      ctx.logger.info("local instance terminated", { cloud_instance_id: id });
    });
  }

  override async getInstance(id: string, o: ExpectedName, ctx: ProviderCallContext): Promise<InstanceInfo> {
    assertCallable(ctx, "getInstance");
    return this.info(await this.observe(this.paths(id), o.expectedName));
  }

  override async listInstances(
    filter: ListInstancesFilter,
    _o: { maxPages: number },
    ctx: ProviderCallContext,
  ): Promise<ListInstancesResult> {
    assertCallable(ctx, "listInstances");
    // One directory read is one page; maxPages cannot truncate it.
    const empty = { instances: [], pageCount: 1, truncated: false };
    if (filter.regionCode && filter.regionCode !== LOCAL_REGION) return empty;
    let names: string[];
    try {
      names = await readdir(this.rootDir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return empty;
      throw err;
    }
    const instances: InstanceInfo[] = [];
    for (const name of names.filter(isCloudId).sort()) {
      const o = await observeSandbox(this.paths(name));
      if (!o) continue;
      if (filter.tag && o.record.tags[filter.tag.key] !== filter.tag.value) continue;
      instances.push(this.info(o));
    }
    return { instances, pageCount: 1, truncated: false };
  }

  override async syncStatus(id: string, ctx: ProviderCallContext): Promise<InstanceStatus> {
    assertCallable(ctx, "syncStatus");
    const o = await observeSandbox(this.paths(id));
    return o ? localStatus(o) : "terminated";
  }

  private hostArch(): Architecture {
    if (!this.architecture) {
      throw new InvalidRequestError(`the local provider needs an amd64 or arm64 host, not ${process.arch}`, opts);
    }
    return this.architecture;
  }

  private paths(id: string): SandboxPaths {
    const paths = sandboxPaths(this.rootDir, id);
    if (!paths) throw new InvalidRequestError(`"${id}" is not a local instance id`, opts);
    return paths;
  }

  private async observe(paths: SandboxPaths, expectedName?: string | null): Promise<SandboxObservation> {
    const id = path.basename(paths.dir);
    const o = await observeSandbox(paths);
    if (!o) throw new ResourceNotFoundError(`local instance ${id} does not exist`, opts);
    if (expectedName && o.record.name !== expectedName) {
      throw new ResourceNotFoundError(`local instance ${id} is not named "${expectedName}"`, opts);
    }
    return o;
  }

  private info(o: SandboxObservation): InstanceInfo {
    return {
      cloudInstanceId: o.record.cloud_instance_id,
      status: localStatus(o),
      privateIp: "127.0.0.1",
      publicIp: null,
      architecture: o.record.architecture,
      instanceTypeCode: o.record.instance_type_code,
      zoneCode: o.record.zone_code,
      providerType: "local",
      syncedAt: this.clock(),
      name: o.record.name,
      tags: o.record.tags,
    };
  }

  private async bootAndWait(paths: SandboxPaths, ctx: ProviderCallContext): Promise<InstanceInfo> {
    await boot(paths, this.graceMs);
    await pollUntil(async () => localStatus(await this.observe(paths)) !== "starting", START_WAIT_MS, ctx, "start");
    return this.info(await this.observe(paths));
  }

  private newRecord(p: CreateInstanceParams, token: string): InstanceRecord {
    const arch = this.hostArch();
    const bad = (m: string) => new InvalidRequestError(m, opts);
    if (!token) throw bad("an idempotency token is required");
    if (!p.name.trim()) throw bad("an instance name is required");
    if (p.regionCode !== LOCAL_REGION) throw bad(`region "${p.regionCode}" does not exist (only "${LOCAL_REGION}")`);
    if (p.zoneCode && p.zoneCode !== LOCAL_ZONE)
      throw bad(`zone "${p.zoneCode}" does not exist (only "${LOCAL_ZONE}")`);
    if (!Object.hasOwn(LOCAL_INSTANCE_TYPES, p.instanceTypeCode)) {
      throw bad(
        `instance type "${p.instanceTypeCode}" does not exist (${Object.keys(LOCAL_INSTANCE_TYPES).join(", ")})`,
      );
    }
    if (p.imageCode && p.imageCode !== LOCAL_IMAGE) throw bad(`image "${p.imageCode}" does not exist`);
    if (p.architecture && p.architecture !== arch) throw bad(`this host is ${arch}, not ${p.architecture}`);
    return {
      cloud_instance_id: cloudIdForToken(token),
      name: p.name,
      idempotency_token: token,
      architecture: arch,
      instance_type_code: p.instanceTypeCode,
      zone_code: LOCAL_ZONE,
      image_code: LOCAL_IMAGE,
      created_at: this.clock().toISOString(),
      tags: { ...p.tags },
      workload: this.workload,
    };
  }

  private assertIdentity(p: CreateInstanceParams): void {
    if (!this.requireIdentity) return;
    const missing = (["bootstrapToken", "platformUrl", "caPem"] as const).filter((k) => !p.identity?.[k]);
    if (missing.length > 0) {
      throw new InvalidRequestError(
        `a local instance runs the on-node agent, which needs ${missing.join(", ")} in its identity to enroll (is the agent listener running?)`,
        opts,
      );
    }
  }

  // Like a cloud's IdempotentParameterMismatch: a reused token must describe the same machine.
  private assertSameRequest(existing: InstanceRecord, wanted: InstanceRecord): void {
    if (
      existing.idempotency_token !== wanted.idempotency_token ||
      existing.name !== wanted.name ||
      existing.instance_type_code !== wanted.instance_type_code
    ) {
      throw new ConflictError(
        `idempotency token already created local instance ${existing.cloud_instance_id} with different parameters`,
        opts,
      );
    }
  }

  private async ensureRoot(): Promise<void> {
    await mkdir(this.rootDir, { recursive: true, mode: 0o700 });
  }

  /** Builds the sandbox under a staging name and renames it into place, so it appears whole. */
  private async materialise(paths: SandboxPaths, record: InstanceRecord, p: CreateInstanceParams): Promise<void> {
    await this.ensureRoot();
    const staging = path.join(this.rootDir, `.staging-${record.cloud_instance_id}-${randomUUID()}`);
    try {
      await mkdir(path.join(staging, FILES.home), { recursive: true, mode: 0o700 });
      // mkdir's mode is filtered by the umask; the sandbox must be private regardless.
      await chmod(staging, 0o700);
      await chmod(path.join(staging, FILES.home), 0o700);
      const at = (name: string) => path.join(staging, name);
      await writeFileAtomic(at(FILES.instance), `${JSON.stringify(record, null, 2)}\n`);
      if (p.identity?.caPem) await writeFileAtomic(at(FILES.caPem), p.identity.caPem);
      const identity = renderIdentityCfg({
        ID: p.identity?.instanceId ?? record.cloud_instance_id,
        KEY: p.identity?.bootstrapToken,
        SERVER: p.identity?.platformUrl,
        CA_PEM_FILE: p.identity?.caPem ? paths.file(FILES.caPem) : null,
      });
      await writeFileAtomic(at(FILES.identity), identity);
      await rename(staging, paths.dir);
    } catch (err) {
      await rm(staging, { recursive: true, force: true });
      // Lost a race with another process creating the same sandbox: theirs is the instance.
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== "EEXIST" && code !== "ENOTEMPTY") throw err;
    }
  }

  private serialize<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(id) ?? Promise.resolve();
    const run = previous.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.queues.set(id, tail);
    void tail.then(() => {
      if (this.queues.get(id) === tail) this.queues.delete(id);
    });
    return run;
  }
}
