import { describe, expect, it } from "vitest";
import { statePaths } from "../state/state-dir.ts";
import { defaultHandlers } from "./index.ts";

const ctx = {
  signal: new AbortController().signal,
  progress: () => undefined,
  paths: statePaths("/nonexistent"),
  taskId: "t",
  payload: {},
};

describe("renew_certificate", () => {
  it("is offered only when the run service can rotate, and answers with the new certificate", async () => {
    expect(
      defaultHandlers({ currentBootId: () => "b", onRebootRequested: () => undefined }).has("renew_certificate"),
    ).toBe(false);
    const renewed = { certificate_id: "01a2375e-0000-7000-8000-000000000001", not_after: "2027-03-02T00:00:00.000Z" };
    const handlers = defaultHandlers({
      currentBootId: () => "b",
      onRebootRequested: () => undefined,
      renewCertificate: async () => renewed,
    });
    const result = await handlers.get("renew_certificate")!.run(ctx);
    expect(result).toEqual(renewed);
  });

  it("fails retryably when the rotation did not succeed", async () => {
    const handlers = defaultHandlers({
      currentBootId: () => "b",
      onRebootRequested: () => undefined,
      renewCertificate: async () => null,
    });
    await expect(handlers.get("renew_certificate")!.run(ctx)).rejects.toMatchObject({
      code: "rotation_failed",
      retryable: true,
    });
  });
});
