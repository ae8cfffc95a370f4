// The prompts' pure parts without a database: argument parsing names the argument, and each render
// reads the state it is given (silent, held, terminated; default target; expiry order; four-eyes).
import { McpError } from "@modelcontextprotocol/sdk/types.js";
import { describe, expect, it } from "vitest";
import { type PromptDefinition, parsePromptArguments, relative } from "./prompt-definition.ts";
import { planModuleUpgradePrompt, type UpgradeContext } from "./prompt-plan-module-upgrade.ts";
import { type ReviewContext, reviewPendingApprovalsPrompt } from "./prompt-review-approvals.ts";
import { type TriageContext, triageInstancePrompt } from "./prompt-triage-instance.ts";
import { NODEPILOT_PROMPTS, promptIndex } from "./prompts.ts";

const now = new Date("2025-06-01T12:00:00.000Z");
const minutesAgo = (m: number) => new Date(now.getTime() - m * 60_000).toISOString();
const text = (messages: { content: { type: string; text?: string; resource?: { text?: string } } }[]) =>
  messages.map((m) => m.content.text ?? m.content.resource?.text ?? "").join("\n");

function triage(instance: Partial<TriageContext["instance"]> = {}, extra: Partial<TriageContext> = {}): string {
  const c: TriageContext = {
    now,
    instance: {
      id: "0190a000-0000-7000-8000-000000000001",
      node_id: "0190a000-0000-7000-8000-000000000002",
      name: "edge-1-a1b2c3d4",
      variety: "cloud",
      status: "running",
      status_changed_at: minutesAgo(60),
      status_reason: null,
      last_heartbeat_at: minutesAgo(1),
      agent_version: "1.4.0",
      boot_id: "b-1",
      private_ip: "10.0.0.5",
      public_ip: null,
      running_module_digests: {},
      hold: null,
      cordoned_at: null,
      ...instance,
    },
    node: {
      id: "0190a000-0000-7000-8000-000000000002",
      name: "edge-1",
      enabled: true,
      node_template_id: "0190a000-0000-7000-8000-000000000003",
      environment_id: null,
    },
    tasks: { items: [], has_more: false },
    events: { items: [], has_more: false },
    ...extra,
  };
  return text(triageInstancePrompt.render({ instance: c.instance.name }, c) as never);
}

describe("prompt arguments", () => {
  it("names a missing, empty or unknown argument and parses typed ones", () => {
    const get = (p: PromptDefinition, args: Record<string, string>) => {
      try {
        return parsePromptArguments(p, args);
      } catch (e) {
        expect(e).toBeInstanceOf(McpError);
        return (e as McpError).message;
      }
    };
    expect(get(triageInstancePrompt, {})).toContain("triage_instance: instance: required");
    expect(get(triageInstancePrompt, { instance: "  " })).toContain("instance: must not be empty");
    expect(get(triageInstancePrompt, { instance: "x", extra: "y" })).toContain("extra: unknown argument");
    expect(get(triageInstancePrompt, { instance: " edge-1 " })).toEqual({ instance: "edge-1" });
    expect(get(reviewPendingApprovalsPrompt, { limit: "7" })).toEqual({ limit: 7 });
    expect(get(reviewPendingApprovalsPrompt, { limit: "seven" })).toContain("limit: must be a whole number");
    expect(get(reviewPendingApprovalsPrompt, { limit: "500" })).toContain("limit:");
  });

  it("refuses two prompts with one name", () => {
    expect(() => promptIndex([NODEPILOT_PROMPTS[0]!])).toThrow(/defined twice/);
    expect(promptIndex([{ ...NODEPILOT_PROMPTS[0]!, name: "fixture" }]).size).toBe(NODEPILOT_PROMPTS.length + 1);
  });

  it("says how long ago or ahead a time is", () => {
    expect(relative(now, minutesAgo(4))).toBe(`${minutesAgo(4)} (4 min ago)`);
    expect(relative(now, new Date(now.getTime() + 2 * 3600_000).toISOString())).toMatch(/\(in 2 h\)$/);
    expect(relative(now, null)).toBe("never");
  });
});

describe("triage_instance render", () => {
  it("reads a healthy instance as nothing standing out", () => {
    const out = triage();
    expect(out).toContain("status: running since");
    expect(out).not.toContain("SILENT");
    expect(out).toContain("Nothing in its state stands out");
  });

  it("flags silence, holds, cordons, failed tasks and terminal states", () => {
    expect(triage({ last_heartbeat_at: minutesAgo(4) })).toContain("SILENT");
    expect(triage({ last_heartbeat_at: null, status: "starting" })).toContain("SILENT");
    expect(triage({ last_heartbeat_at: minutesAgo(30), status: "stopped" })).not.toContain("SILENT");
    expect(triage({ hold: { by: "ops", reason: "forensics", at: minutesAgo(5) } })).toContain(
      "on hold (forensics, by ops)",
    );
    expect(triage({ cordoned_at: minutesAgo(2) })).toContain("cordoned");
    expect(triage({ status: "terminated" })).toContain("instance_provision {node_id}");
    const failed = triage(
      {},
      {
        tasks: {
          items: [
            {
              id: "0190a000-0000-7000-8000-0000000000f1",
              command: "apply_config",
              status: "failed",
              attempt: 3,
              max_attempts: 3,
              error_code: "handler_failed",
              error_message: "exit 1",
              created_at: minutesAgo(3),
              completed_at: minutesAgo(2),
            },
          ],
          has_more: false,
        },
      },
    );
    expect(failed).toContain("apply_config failed (attempt 3/3");
    expect(failed).toContain('task_get {id: "0190a000-0000-7000-8000-0000000000f1"}');
  });
});

describe("plan_module_upgrade render", () => {
  const version = (n: number, state: string, current = false) => ({
    id: `0190a000-0000-7000-8000-00000000000${n}`,
    version_number: n,
    source_version: null,
    promotion_state: state,
    current,
    publish_error: null,
    changelog: null,
    created_at: minutesAgo(100 - n),
    pinned_in: [],
    artifacts: [{ architecture: "amd64", oci_digest: `sha256:${n}` }],
  });
  const context = (target: ReturnType<typeof version> | null): UpgradeContext => ({
    now,
    module: {
      id: "0190a000-0000-7000-8000-0000000000aa",
      name: "nginx",
      variety: "config",
      enabled: true,
      auto_promote: true,
      reboot_required: true,
      lock_spec: false,
      node_platform_id: null,
      trust_policy: { keys: [] },
      current_version_id: version(2, "live", true).id,
    },
    versions: { items: [version(3, "staging"), version(2, "live", true)], has_more: false },
    current: version(2, "live", true),
    target,
    target_requested: false,
    dependencies: [
      { module_name: "nginx", dependency_name: "openssl", dependency_type: "requires", version_constraint: ">=3" },
    ],
    dependants: [],
    assigned_nodes: 4,
    assigned_more: false,
  });

  it("names from and to, marks current and target, and lists the edges", () => {
    const out = text(planModuleUpgradePrompt.render({ module: "nginx" }, context(version(3, "staging"))) as never);
    expect(out).toContain("from v2 to v3");
    expect(out).toMatch(/- v3 .*staging; TARGET/);
    expect(out).toMatch(/- v2 .*live; CURRENT/);
    expect(out).toContain("requires openssl >=3");
    expect(out).toContain("Assigned (enabled) to 4 node(s)");
    expect(out).toContain('module_version_get {id: "0190a000-0000-7000-8000-000000000003"}');
  });

  it("asks which version when nothing newer exists", () => {
    const out = text(planModuleUpgradePrompt.render({ module: "nginx" }, context(null)) as never);
    expect(out).toContain("no newer version (ask the operator which version");
  });
});

describe("review_pending_approvals render", () => {
  const request = (id: string, expiresInMin: number, requester: string | null) => ({
    id,
    action_category: "instance.reboot",
    severity: "medium",
    description: "reboot a silent instance",
    action_payload: { target: { type: "node_instance", id: "i-1" }, params: { hard: false } },
    payload_hash: "a".repeat(64),
    reasoning: null,
    matched_policy_id: null,
    source: "mcp",
    expires_at: new Date(now.getTime() + expiresInMin * 60_000).toISOString(),
    requested_by_agent_id: null,
    requested_by_user_id: requester,
    current_step: 0,
    chain: { name: "default", steps: [{ name: "operator", required_approvals: 1 }] },
    created_at: minutesAgo(1),
  });

  it("orders by expiry and marks the caller's own requests", () => {
    const c: ReviewContext = {
      now,
      self_user_id: "u-self",
      requests: [request("r-late", 120, "u-other"), request("r-soon", 5, "u-self")],
      has_more: false,
    };
    const out = text(reviewPendingApprovalsPrompt.render({}, c) as never);
    expect(out.indexOf("r-soon")).toBeLessThan(out.indexOf("r-late"));
    expect(out).toMatch(/r-soon[^\n]*\n.*\n.*\n {2}requested by you \(someone else must approve\)/);
    expect(out).toContain("requested by user u-other");
    expect(out).toContain("step 1/1 (operator, 1 approval(s))");
  });

  it("says there is nothing to review for an empty queue", () => {
    const messages = reviewPendingApprovalsPrompt.render(
      {},
      { now, self_user_id: null, requests: [], has_more: false },
    );
    expect(messages).toHaveLength(1);
    expect(text(messages as never)).toContain("No Nodepilot approval requests are pending");
  });
});
