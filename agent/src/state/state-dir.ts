// The agent's state directory (spec/agent.md §0) and the names of the files inside it.
import { existsSync } from "node:fs";
import path from "node:path";

export const PERSIST_STATE_DIR = "/persist/var/lib/nodepilot";
export const VOLATILE_STATE_DIR = "/var/lib/nodepilot";

/** `--state-dir` wins; otherwise /persist's copy when /persist exists. */
export function resolveStateDir(explicit?: string, persistExists = existsSync("/persist")): string {
  if (explicit) return path.resolve(explicit);
  return persistExists ? PERSIST_STATE_DIR : VOLATILE_STATE_DIR;
}

export interface StatePaths {
  root: string;
  pki: string;
  nodeKey: string;
  nodeCrt: string;
  caChain: string;
  caBundle: string;
  pkiMeta: string;
  journal: string;
  outbox: string;
  config: string;
  bootIdFallback: string;
  scriptsAllow: string;
  reboot: string;
  modules: string;
  cache: string;
}

export function statePaths(root: string): StatePaths {
  const pki = path.join(root, "pki");
  return {
    root,
    pki,
    nodeKey: path.join(pki, "node.key"),
    nodeCrt: path.join(pki, "node.crt"),
    caChain: path.join(pki, "ca-chain.crt"),
    caBundle: path.join(pki, "ca-bundle.crt"),
    pkiMeta: path.join(pki, "meta.json"),
    journal: path.join(root, "tasks-state.json"),
    // Events waiting for delivery (§10); task reports wait in the journal.
    outbox: path.join(root, "outbox"),
    // The agent config from the last enroll/rotate reply (intervals, lease TTL, concurrency).
    config: path.join(root, "config.json"),
    bootIdFallback: path.join(root, "boot_id"),
    scriptsAllow: path.join(root, "scripts.allow"),
    reboot: path.join(root, "reboot-intent.json"),
    // The working directory modules are reconciled into (sync_modules, apply_config).
    modules: path.join(root, "modules"),
    // Blob cache. On a real node this is /persist/cache/modules; keeping it under the state
    // directory lets many sandboxed agents share one machine without sharing a cache.
    cache: path.join(root, "cache", "modules"),
  };
}
