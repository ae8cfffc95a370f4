// The port through which the offline model turns names in a request into ids. The store-backed
// implementation (../store-resolver.ts) answers each lookup with one account-scoped query; tests
// use an in-memory one.

/** Kinds of fleet object an id field can name (mostly the catalog's resource names). */
export type EntityKind =
  | "node"
  | "instance"
  | "template"
  | "module"
  | "module_version"
  | "pool"
  | "pool_member"
  | "user"
  | "task"
  | "approval_request"
  | "intervention_policy"
  | "assignment"
  | "template_module"
  | "event"
  | "environment"
  | "provider"
  | "provider_connection"
  | "platform"
  | "category"
  | "region"
  | "zone"
  | "instance_type"
  | "image"
  | "unclaimed_device"
  | "api_token"
  | "compliance_snapshot";

export interface EntityRef {
  kind: EntityKind;
  id: string;
  name: string;
}

export interface EntityMatch extends EntityRef {
  /** The name or id from the request that matched. */
  matched: string;
}

export type Resolution =
  | { status: "found"; entity: EntityRef }
  | { status: "ambiguous"; candidates: readonly EntityRef[] }
  | { status: "none" };

export interface EntityResolver {
  /** Every object any of these names or ids refers to, of any kind (one query for the batch). */
  identify(terms: readonly string[]): Promise<readonly EntityMatch[]>;
  /**
   * The object of `kind` called `name`. Some names are only unique inside a parent: an assignment
   * is named by its module within a node, a template's module join by its module within the
   * template, a module version by its number within the module. An instance may also be named by
   * its node when the node has exactly one live instance.
   */
  resolve(kind: EntityKind, name: string, within?: EntityRef): Promise<Resolution>;
}

/** Kinds that can be named inside a parent, and the parent's kind. */
export const SCOPED_KINDS: Partial<Record<EntityKind, { parent: EntityKind; by: EntityKind | "number" }>> = {
  assignment: { parent: "node", by: "module" },
  template_module: { parent: "template", by: "module" },
  module_version: { parent: "module", by: "number" },
};
