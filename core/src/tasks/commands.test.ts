// The command registry: the spec's table (executor, subject, attempts, TTL, scope, deferral) and strict payloads.
import { describe, expect, it } from "vitest";
import { AppError } from "../errors.ts";
import { acceptsSubject, getCommand, TASK_COMMANDS } from "./commands.ts";

describe("task command registry", () => {
  it("holds every command of the spec table with its executor, subject and attempts", () => {
    const table: [string, string, string, number][] = [
      ["collect_facts", "agent", "node_instance", 3],
      ["sync_modules", "agent", "node_instance", 3],
      ["apply_config", "agent", "node_instance", 3],
      ["reboot", "agent", "node_instance", 1],
      ["restart_service", "agent", "node_instance", 3],
      ["run_script", "agent", "node_instance", 1],
      ["upgrade_boot_image", "agent", "node_instance", 1],
      ["renew_certificate", "agent", "node_instance", 3],
      ["probe.module_smoke", "agent", "node_instance", 3],
      ["probe.node_inspect", "agent", "node_instance", 3],
      ["provision", "control_plane", "node_instance", 3],
      ["start", "control_plane", "node_instance", 3],
      ["stop", "control_plane", "node_instance", 3],
      ["power_cycle", "control_plane", "node_instance", 3],
      ["terminate", "control_plane", "node_instance", 3],
      ["decommission", "control_plane", "node_instance", 3],
      ["catalog.sync", "control_plane", "provider_connection", 3],
    ];
    for (const [name, executor, subject, attempts] of table) {
      const cmd = getCommand(name);
      expect({ executor: cmd.executor, subject: cmd.subjectType, attempts: cmd.maxAttempts }, name).toEqual({
        executor,
        subject,
        attempts,
      });
      expect(cmd.leaseTtlSeconds, name).toBeGreaterThanOrEqual(30);
      expect(cmd.leaseTtlSeconds, name).toBeLessThanOrEqual(1800);
    }
    expect(new Set(TASK_COMMANDS.map((c) => c.name)).size).toBe(TASK_COMMANDS.length);
  });

  it("fixes scope, TTL and deferral where the spec departs from the defaults", () => {
    expect(getCommand("run_script").scope).toBe("fleet:admin");
    expect(getCommand("collect_facts").scope).toBe("fleet:write");
    expect(getCommand("collect_facts").leaseTtlSeconds).toBe(120);
    expect(getCommand("collect_facts").timeoutSeconds).toBe(3600);
    expect(getCommand("upgrade_boot_image").leaseTtlSeconds).toBe(1800);
    expect(
      TASK_COMMANDS.filter((c) => c.deferredCompletion)
        .map((c) => c.name)
        .sort(),
    ).toEqual(["reboot", "upgrade_boot_image"]);
  });

  it("refuses an unknown command as invalid_input naming `command`", () => {
    try {
      getCommand("format_disk");
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe("invalid_input");
      expect((err as AppError).errors?.map((e) => e.path)).toEqual(["command"]);
    }
  });

  it("parses payloads strictly and applies the documented defaults", () => {
    expect(getCommand("terminate").payload.parse({})).toEqual({ release_ips: true });
    expect(getCommand("decommission").payload.parse({})).toEqual({ drain_timeout_seconds: 600 });
    expect(getCommand("stop").payload.parse({ force: true })).toEqual({ force: true });
    expect(getCommand("collect_facts").payload.safeParse({ extra: 1 }).success).toBe(false);
    expect(getCommand("reboot").payload.safeParse({}).success).toBe(false);
    expect(getCommand("run_script").payload.safeParse({ script_id: "x", timeout_seconds: 3601 }).success).toBe(false);
    expect(getCommand("run_script").payload.parse({ script_id: "disk-usage" })).toEqual({
      script_id: "disk-usage",
      args: [],
      timeout_seconds: 300,
    });
    expect(getCommand("upgrade_boot_image").payload.safeParse({ target_git_sha: "abc" }).success).toBe(false);
  });

  it("validates results, including apply_config's rule that every module converged", () => {
    const apply = getCommand("apply_config").result;
    expect(apply.safeParse({ converged: [], not_converged: [] }).success).toBe(true);
    expect(apply.safeParse({ converged: [], not_converged: ["01890000-0000-7000-8000-000000000000"] }).success).toBe(
      false,
    );
    expect(getCommand("restart_service").result.safeParse({ restarted: true, health: "healthy" }).success).toBe(true);
    expect(getCommand("restart_service").result.safeParse({ restarted: true, health: "fine" }).success).toBe(false);
  });

  it("lets agent commands target a node (leased by its only live instance) but not a provider object", () => {
    expect(acceptsSubject(getCommand("collect_facts"), "node")).toBe(true);
    expect(acceptsSubject(getCommand("collect_facts"), "provider_connection")).toBe(false);
    expect(acceptsSubject(getCommand("provision"), "node")).toBe(false);
    expect(acceptsSubject(getCommand("catalog.sync"), "provider_connection")).toBe(true);
  });
});
