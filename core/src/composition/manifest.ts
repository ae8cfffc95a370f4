// The module manifest, schema_version 1 (spec/domain.md §3.1, builder.md §3), as stored on a
// module and snapshotted into its versions. Unknown top-level keys are refused unless prefixed
// `x-`; those are kept under `extensions`. Record-only fields (variety, priority, trust policy…)
// are not accepted here: an artifact never declares its own trust.
import { z } from "zod";
import { globLineError, normalizeSpecLines, packageLineError } from "./spec-lines.ts";

export const MODULE_NAME = /^[a-z](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
export const ModuleName = z
  .string()
  .regex(
    MODULE_NAME,
    "must be lower-case letters, digits and dashes, start with a letter, not end with a dash (max 64)",
  );

export const CATEGORY_SLUGS = [
  "system-base",
  "base-os",
  "language-runtime",
  "data-plane",
  "storage-guest",
  "networking-proxy",
  "observability",
  "build-dev",
  "platform-apps",
  "workloads",
] as const;

const lines = (check: (l: string) => string | undefined) =>
  z
    .array(z.string().max(4096))
    .max(2000)
    .superRefine((ls, ctx) => {
      ls.forEach((l, i) => {
        const err = check(l);
        if (err) ctx.addIssue({ code: "custom", message: err, path: [i] });
      });
    })
    .transform(normalizeSpecLines);
export const GlobLines = lines(globLineError);
export const PackageLines = lines(packageLineError);

const RANGE_PART = "(?:@[^\\s@]+)?";
const DependencyRef = z
  .string()
  .regex(
    new RegExp(`^(?:[a-z0-9][a-z0-9-]*/[a-z][a-z0-9-]*|capability:[a-z0-9][a-z0-9._-]*)${RANGE_PART}$`),
    "must be <owner>/<module>@<range> or capability:<tag>[@<range>]",
  );
const ConflictRef = z
  .string()
  .regex(/^(?:[a-z][a-z0-9-]*|capability:[a-z0-9][a-z0-9._-]*)$/, "must be a module name or capability:<tag>");
const ProvideRef = z.string().regex(/^[a-z0-9][a-z0-9._-]*(?:@[0-9A-Za-z.+-]+)?$/, "must be <tag> or <tag>@<version>");
const Argv = z.array(z.string().min(1).max(4096)).min(1).max(64);
const Identity = z.number().int().min(70_000).max(99_999);

const Service = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9@._-]{0,62}$/, "must be a unit-safe name"),
  start_command: Argv,
  stop_command: Argv.optional(),
  restart_policy: z.enum(["always", "on-failure", "no"]).default("on-failure"),
  env: z.record(z.string().regex(/^[A-Z_][A-Z0-9_]*$/, "env names are UPPER_SNAKE"), z.string().max(4096)).optional(),
  exposed_ports: z
    .array(
      z.strictObject({
        port: z.number().int().min(1).max(65_535),
        protocol: z.enum(["tcp", "udp"]).default("tcp"),
        name: z.string().max(63).optional(),
      }),
    )
    .max(64)
    .optional(),
  health: z
    .strictObject({
      endpoint: z.string().max(2048),
      method: z.literal("GET").default("GET"),
      interval_seconds: z.number().int().min(1).max(3600).default(30),
      timeout_seconds: z.number().int().min(1).max(600).default(5),
      initial_delay_seconds: z.number().int().min(0).max(3600).default(10),
    })
    .optional(),
  user: z.string().max(32).optional(),
  working_directory: z.string().max(4096).optional(),
  requires_healthy: z.array(z.string()).max(64).optional(),
});

export const ManifestSchema = z
  .strictObject({
    schema_version: z.literal(1),
    name: ModuleName,
    display_name: z.string().max(80).optional(),
    description: z.string().max(2000).optional(),
    license: z
      .string()
      .regex(/^[A-Za-z0-9.+\-() ]{1,200}$/, "must be an SPDX license expression")
      .optional(),
    category: z.enum(CATEGORY_SLUGS).default("workloads"),
    mask: GlobLines.optional(),
    file_spec: GlobLines.optional(),
    protected_spec: GlobLines.optional(),
    dependency_spec: GlobLines.optional(),
    package_spec: PackageLines.optional(),
    dependencies: z
      .strictObject({
        requires: z.array(DependencyRef).max(200).optional(),
        recommends: z.array(DependencyRef).max(200).optional(),
        conflicts: z.array(ConflictRef).max(200).optional(),
        provides: z.array(ProvideRef).max(200).optional(),
      })
      .optional(),
    services: z.array(Service).max(64).optional(),
    init: z.strictObject({ start: Argv.optional(), stop: Argv.optional(), restart: Argv.optional() }).optional(),
    reboot_required: z.boolean().default(false),
    security: z
      .strictObject({
        capabilities: z
          .array(z.string().regex(/^CAP_[A-Z_]+$/, "must be CAP_*"))
          .max(64)
          .optional(),
        selinux_profile: z.string().max(256).optional(),
        apparmor_profile: z.string().max(256).optional(),
        seccomp_profile: z.string().max(256).optional(),
        egress_allow: z
          .array(z.string().regex(/^[A-Za-z0-9.*-]+:\d{1,5}$/, "must be host:port"))
          .max(256)
          .optional(),
        privileged: z.boolean().default(false),
        user_namespace: z.boolean().optional(),
      })
      .optional(),
    users: z
      .array(
        z.strictObject({
          name: z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/),
          uid: Identity,
          groups: z.array(z.string()).max(64).optional(),
          home: z.string().max(4096).optional(),
          shell: z.string().max(4096).optional(),
        }),
      )
      .max(64)
      .optional(),
    groups: z
      .array(z.strictObject({ name: z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/), gid: Identity }))
      .max(64)
      .optional(),
    sudoers: z
      .array(z.strictObject({ name: z.string().max(64), rule: z.string().min(1).max(4096) }))
      .max(64)
      .optional(),
    skills: z.array(z.record(z.string(), z.unknown())).max(64).optional(),
    build: z
      .strictObject({
        mode: z.enum(["containerfile", "packages"]),
        base_digest: z
          .string()
          .regex(/^sha256:[0-9a-f]{64}$/, "must be sha256:<64 hex>")
          .nullable()
          .optional(),
        apt_snapshot: z
          .union([z.string().regex(/^\d{8}T\d{6}Z$/, "must be YYYYMMDDTHHMMSSZ"), z.literal("none")])
          .nullable()
          .optional(),
        suite: z.string().max(64).default("noble"),
        composefs: z.boolean().default(false),
      })
      .optional(),
    verify: z
      .strictObject({
        probes: z
          .array(
            z.strictObject({
              name: z.string().min(1).max(63),
              command: z.string().min(1).max(4096),
              resolves_to: z.string().max(4096),
            }),
          )
          .max(64),
      })
      .optional(),
    extensions: z.record(z.string().regex(/^x-/), z.unknown()).optional(),
  })
  .superRefine((m, ctx) => {
    const unique = <T>(list: T[] | undefined, key: (t: T) => string | number, path: string) => {
      const seen = new Set<string | number>();
      list?.forEach((item, i) => {
        const k = key(item);
        if (seen.has(k)) ctx.addIssue({ code: "custom", message: `duplicate ${String(k)}`, path: [path, i] });
        seen.add(k);
      });
    };
    unique(m.services, (s) => s.name, "services");
    unique(m.users, (u) => u.name, "users");
    unique(m.users, (u) => u.uid, "users");
    unique(m.groups, (g) => g.name, "groups");
    unique(m.groups, (g) => g.gid, "groups");
    const services = new Set(m.services?.map((s) => s.name));
    m.services?.forEach((s, i) => {
      s.requires_healthy?.forEach((r, j) => {
        if (!services.has(r))
          ctx.addIssue({
            code: "custom",
            message: `no service named ${r} in this manifest`,
            path: ["services", i, "requires_healthy", j],
          });
      });
    });
  });
export type Manifest = z.infer<typeof ManifestSchema>;

/**
 * What a write accepts: the manifest object with any `x-` keys at the top level, which are moved
 * under `extensions` before the strict schema runs (so any other unknown key is refused).
 */
export const ManifestInput = z
  .record(z.string(), z.unknown())
  .describe("Module manifest, schema_version 1 (builder.md §3); top-level keys prefixed x- are kept under extensions.")
  .transform((raw, ctx): Manifest => {
    const extensions: Record<string, unknown> = {};
    const rest: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(raw)) (k.startsWith("x-") ? extensions : rest)[k] = v;
    if (Object.keys(extensions).length > 0)
      rest.extensions = { ...((rest.extensions as object | undefined) ?? {}), ...extensions };
    const parsed = ManifestSchema.safeParse(rest);
    if (parsed.success) return parsed.data;
    for (const issue of parsed.error.issues) {
      const keys = issue.code === "unrecognized_keys" ? issue.keys : [undefined];
      for (const k of keys) {
        ctx.addIssue({
          code: "custom",
          message: k ? `unknown field "${k}"` : issue.message,
          path: k ? [...issue.path, k] : [...issue.path],
        });
      }
    }
    return z.NEVER;
  });

/** The capability tags a manifest provides (without versions), copied to the module's capabilities. */
export const providedCapabilities = (m: Manifest) =>
  normalizeSpecLines((m.dependencies?.provides ?? []).map((p) => p.split("@")[0] ?? p));
