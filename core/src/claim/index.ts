// Claiming generic-image boxes (spec/agent.md §2 source 8): the agent listener's poll, and the
// claim-code hash tests use to find the row a code belongs to.
export { hashClaimCode } from "./claim-code.ts";
export { type ClaimPollInput, pollClaim } from "./poll.ts";
