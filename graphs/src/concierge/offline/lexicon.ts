// The offline model's vocabulary: words that carry no intent, the operator words that mean a catalog
// word (machine → instance), the verbs an operation name can carry, and the words that name an enum
// value (errored → error). Entries are plain words; they are stemmed once, like the text they meet.
import { stem } from "./text.ts";

// One string rather than an array literal, so the formatter keeps it compact.
const STOP = `a an the to of for on in at by with from and or is are was were be been being me my mine i i'm im
  we our us you your it its it's this that these those there here please can could would should will shall do does
  did have has had what what's whats which who whom how how's when where why any some just also now then so kindly
  want like let let's lets go ahead quick quickly about tell know see look looking them they their one ones again
  still into onto as if but not no yes ok okay thanks thank hey hi hello today up out over got am else something
  thing things every each both very really right same own other all`.split(/\s+/);
export const STOPWORDS: ReadonlySet<string> = new Set(STOP.flatMap((w) => [w, stem(w)]));

/** Operator word → catalog words it also means, with a weight below the literal word's 1. */
const EXPANSIONS: Record<string, [string, number][]> = {
  machine: [["instance", 0.9]],
  box: [
    ["instance", 0.8],
    ["machine", 0.8],
    ["device", 0.5],
  ],
  server: [
    ["instance", 0.8],
    ["machine", 0.8],
  ],
  vm: [["instance", 0.9]],
  host: [
    ["instance", 0.6],
    ["node", 0.5],
  ],
  restart: [["reboot", 1]],
  bounce: [["reboot", 1]],
  reset: [["reboot", 0.4]],
  quiet: [["silent", 1]],
  dark: [["silent", 0.8]],
  offline: [["silent", 0.8]],
  dead: [["silent", 0.7]],
  heartbeat: [["silent", 0.3]],
  remove: [["delete", 0.8]],
  drop: [
    ["delete", 0.8],
    ["remove", 0.8],
  ],
  erase: [["delete", 0.9]],
  destroy: [
    ["terminate", 0.9],
    ["delete", 0.5],
  ],
  kill: [
    ["terminate", 0.5],
    ["abort", 0.5],
    ["revoke", 0.5],
    ["force", 0.5],
  ],
  new: [["create", 0.7]],
  make: [["create", 0.5]],
  register: [["create", 0.6]],
  add: [["create", 0.6]],
  which: [["list", 0.5]],
  find: [["list", 0.6]],
  display: [
    ["list", 0.5],
    ["get", 0.5],
  ],
  show: [
    ["list", 0.4],
    ["get", 0.4],
  ],
  detail: [["get", 0.6]],
  describe: [["get", 0.6]],
  inspect: [["get", 0.6]],
  overview: [
    ["summary", 1],
    ["fleet", 0.5],
  ],
  everything: [
    ["fleet", 0.8],
    ["summary", 0.5],
  ],
  health: [
    ["summary", 0.7],
    ["fleet", 0.5],
  ],
  doing: [["summary", 0.4]],
  count: [["summary", 0.4]],
  job: [["task", 0.9]],
  alert: [["event", 0.9]],
  log: [["event", 0.7]],
  happen: [["event", 0.6]],
  incident: [["event", 0.7]],
  history: [["event", 0.6]],
  rule: [["policy", 0.8]],
  guardrail: [["policy", 0.8]],
  person: [["user", 0.9]],
  who: [["user", 0.6]],
  member: [["user", 0.5]],
  admin: [
    ["user", 0.4],
    ["role", 0.4],
  ],
  account: [["user", 0.2]],
  blueprint: [["template", 0.8]],
  package: [["module", 0.5]],
  component: [["module", 0.6]],
  audit: [["compliance", 0.8]],
  env: [["environment", 1]],
  cloud: [["provider", 0.7]],
  build: [
    ["version", 0.5],
    ["artifact", 0.5],
  ],
  install: [
    ["assign", 0.7],
    ["assignment", 0.7],
  ],
  assign: [["assignment", 0.9]],
  give: [["assign", 0.4]],
  freeze: [
    ["hold", 0.5],
    ["pause", 0.4],
  ],
  grow: [
    ["update", 0.8],
    ["size", 0.7],
    ["pool", 0.3],
  ],
  shrink: [
    ["update", 0.8],
    ["size", 0.7],
    ["pool", 0.3],
  ],
  scale: [
    ["update", 0.8],
    ["size", 0.7],
    ["pool", 0.3],
  ],
  resize: [
    ["update", 0.8],
    ["size", 0.7],
  ],
  borrow: [["acquire", 0.8]],
  unhold: [
    ["release", 0.8],
    ["hold", 0.8],
  ],
  unpause: [["resume", 1]],
  threshold: [
    ["sensor", 0.5],
    ["setting", 0.5],
  ],
  depend: [["dependency", 1]],
  require: [
    ["dependency", 0.7],
    ["requires", 1],
  ],
  need: [["dependency", 0.4]],
  label: [["config", 0.5]],
  type: [["instance_types", 0.3]],
  size: [["instance_types", 0.3]],
  roster: [["user", 0.5]],
  autonomous: [["autonomy", 0.8]],
};

export const EXPAND: ReadonlyMap<string, readonly [string, number][]> = new Map(
  Object.entries(EXPANSIONS).map(([word, list]) => [
    stem(word),
    list.map(([w, n]) => [stem(w), n] as [string, number]),
  ]),
);

/** Request words → the canonical verbs they ask for. */
const VERB_WORDS: Record<string, string[]> = {
  list: ["list"],
  enumerate: ["list"],
  which: ["list"],
  find: ["list"],
  count: ["list"],
  show: ["list", "get"],
  display: ["list", "get"],
  view: ["list", "get"],
  get: ["get"],
  describe: ["get"],
  detail: ["get"],
  inspect: ["get"],
  create: ["create"],
  add: ["create"],
  new: ["create"],
  make: ["create", "update"],
  register: ["create"],
  update: ["update"],
  change: ["update"],
  set: ["update"],
  modify: ["update"],
  edit: ["update"],
  rename: ["update"],
  move: ["update"],
  label: ["update"],
  grow: ["update"],
  shrink: ["update"],
  scale: ["update"],
  resize: ["update"],
  raise: ["update"],
  lower: ["update"],
  increase: ["update"],
  decrease: ["update"],
  delete: ["delete"],
  remove: ["delete"],
  drop: ["delete"],
  erase: ["delete"],
  forget: ["delete"],
  reboot: ["reboot"],
  restart: ["reboot"],
  start: ["start"],
  boot: ["start"],
  stop: ["stop"],
  halt: ["stop"],
  terminate: ["terminate"],
  destroy: ["terminate"],
  decommission: ["decommission"],
  retire: ["retire", "decommission"],
  cordon: ["cordon"],
  uncordon: ["uncordon"],
  hold: ["hold"],
  release: ["release"],
  unhold: ["release"],
  pause: ["pause"],
  resume: ["resume"],
  unpause: ["resume"],
  drain: ["drain"],
  archive: ["archive"],
  acquire: ["acquire"],
  borrow: ["acquire"],
  approve: ["approve"],
  accept: ["approve"],
  reject: ["reject"],
  deny: ["reject"],
  decline: ["reject"],
  refuse: ["reject"],
  cancel: ["cancel"],
  abort: ["abort"],
  retry: ["retry"],
  rerun: ["retry"],
  publish: ["publish"],
  deprecate: ["deprecate"],
  enable: ["enable", "update"],
  disable: ["disable", "update"],
  apply: ["apply"],
  claim: ["claim"],
  revoke: ["revoke"],
  run: ["run"],
  trigger: ["run"],
  reset: ["reset"],
  verify: ["verify"],
  validate: ["verify"],
  export: ["export"],
  preview: ["preview"],
  assign: ["create"],
  install: ["create"],
  give: ["create"],
  provision: ["provision"],
  issue: ["issue"],
  resolve: ["resolve"],
  allow: ["update"],
  collect: ["create"],
  take: ["create"],
  kill: ["terminate", "stop", "abort", "revoke"],
};

export const REQUEST_VERBS: ReadonlyMap<string, readonly string[]> = new Map(
  Object.entries(VERB_WORDS).map(([w, verbs]) => [stem(w), verbs]),
);

/** An operation name's last segment (first word of it) → the canonical verb it performs. */
const OP_VERBS: Record<string, string> = {
  add: "create",
  set: "update",
  remove: "delete",
  apply: "apply",
  issue: "issue",
  release: "release",
  compose: "preview",
};

/** The verb an operation performs: its name's verb, or list/get for the noun-named reads. */
export function operationVerb(name: string, list: boolean, effect: string): string {
  const last = name.slice(name.lastIndexOf(".") + 1);
  const first = last.split("_")[0]!;
  if (OP_VERBS[first]) return OP_VERBS[first];
  if (REQUEST_VERBS.has(stem(first)) && first !== "claim") return first;
  if (first === "claim") return "claim";
  if (effect === "read") return list ? "list" : "get";
  return first;
}

/** Words that name an enum value without spelling it. */
const VALUE_WORDS: Record<string, string[]> = {
  error: ["errored", "erroring", "failing", "broken", "error", "errors"],
  failed: ["failed", "failing", "failure", "failures", "broken"],
  pending: ["pending", "waiting", "queued", "outstanding", "open"],
  running: ["running", "up", "alive", "active"],
  stopped: ["stopped", "halted"],
  disabled: ["disabled", "deactivated", "inactive", "disable"],
  active: ["active", "enabled", "live", "resume", "resumed", "unpause"],
  admin: ["admin", "admins", "administrator", "administrators"],
  viewer: ["viewer", "viewers", "auditor", "auditors"],
  operator: ["operator", "operators"],
  owner: ["owner", "owners"],
  paused: ["paused", "pause"],
  critical: ["critical", "crit"],
  high: ["high", "severe"],
  draft: ["draft", "drafts", "unpublished"],
  revoked: ["revoked"],
  spot: ["spot"],
  requires: ["requires", "require", "needs", "depends"],
  conflicts: ["conflicts", "conflict", "clashes"],
  recommends: ["recommends", "recommended", "suggests"],
  reenroll: ["reenroll"],
  node_instance: ["instance", "machine", "box", "server"],
  node: ["node"],
};

/** Stemmed request word → enum values it names. */
export const VALUE_SYNONYMS: ReadonlyMap<string, readonly string[]> = (() => {
  const m = new Map<string, string[]>();
  for (const [value, list] of Object.entries(VALUE_WORDS)) {
    for (const w of list) {
      const s = stem(w);
      m.set(s, [...(m.get(s) ?? []), value]);
    }
  }
  return m;
})();
