// Identity discovery (spec/agent.md §2): the public surface used by the CLI and the simulator.
export { type ClaimOptions, claimIdentity } from "./claim.ts";
export { bootedImageGitSha } from "./cmdline.ts";
export type { IdentityFields, SourceOutcome } from "./outcome.ts";
export { parseUserData } from "./parse.ts";
export {
  type DiscoveryOptions,
  IdentityUnresolvedError,
  redactIdentity,
  resolveIdentity,
  type SourceReport,
} from "./resolve.ts";
