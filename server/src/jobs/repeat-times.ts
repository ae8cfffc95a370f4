// When a Postgres-runner schedule is next due, with BullMQ's semantics: `everyMs` runs at once and
// then every everyMs after that first run; a cron pattern at its next match (UTC unless tz says otherwise).
// Occurrences missed while nothing ran are coalesced into one, not replayed.
import { AppError } from "@nodepilot/core";
import { CronExpressionParser } from "cron-parser";
import type { Repeat } from "./job-queue.ts";

function cronAfter(cron: string, tz: string | undefined, after: Date): Date {
  try {
    return CronExpressionParser.parse(cron, { currentDate: after, tz: tz ?? "UTC" })
      .next()
      .toDate();
  } catch (err) {
    throw new AppError("invalid_input", `cron: ${(err as Error).message}`, {
      errors: [{ path: "cron", message: (err as Error).message }],
    });
  }
}

export function firstOccurrence(repeat: Repeat, now: Date): Date {
  return "everyMs" in repeat ? now : cronAfter(repeat.cron, repeat.tz, now);
}

/** The occurrence after `due` that is later than `now`. */
export function nextOccurrence(repeat: Repeat, due: Date, now: Date): Date {
  if ("everyMs" in repeat) {
    const every = repeat.everyMs;
    const behind = Math.max(0, now.getTime() - due.getTime());
    return new Date(due.getTime() + (Math.floor(behind / every) + 1) * every);
  }
  return cronAfter(repeat.cron, repeat.tz, now > due ? now : due);
}
