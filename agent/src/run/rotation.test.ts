// When a failing rotation is reported (spec/agent.md §7): past 90 % of the lifetime, high, hourly.
import { describe, expect, it } from "vitest";
import type { CertificateState } from "../state/pki.ts";
import { rotationFailingEvent } from "./rotation.ts";

const state = (lifetime_used: number): CertificateState => ({
  subject: "CN=i",
  not_before: "2030-01-01T00:00:00.000Z",
  not_after: "2030-04-01T00:00:00.000Z",
  valid: true,
  seconds_left: 86_400,
  lifetime_used,
});
const HOUR = 3600_000;
const now = 1_900_000_000_000;

describe("rotationFailingEvent", () => {
  it("stays quiet before 90 % of the lifetime", () => {
    expect(rotationFailingEvent(state(0.89), "c1", new Error("503"), null, now)).toBeNull();
  });

  it("reports high past 90 %, with the certificate and the error", () => {
    expect(rotationFailingEvent(state(0.9134), "c1", new Error("503 unavailable"), null, now)).toEqual({
      kind: "certificate.rotation_failing",
      severity: "high",
      payload: {
        certificate_id: "c1",
        not_after: "2030-04-01T00:00:00.000Z",
        seconds_left: 86_400,
        lifetime_used: 0.913,
        error: "503 unavailable",
      },
    });
  });

  it("reports at most once an hour", () => {
    expect(rotationFailingEvent(state(0.95), "c1", new Error("x"), now - HOUR + 1, now)).toBeNull();
    expect(rotationFailingEvent(state(0.95), "c1", new Error("x"), now - HOUR, now)).not.toBeNull();
  });
});
