// Building blocks of sensor settings (spec/autonomy.md §1.1 rule 6): every threshold is a positive
// number with the spec's default, so an override of 0 or less is refused naming the field.
import { z } from "zod";

/** Whole seconds (or a count), > 0. */
export const positiveInt = (defaultValue: number) => z.number().int().positive().default(defaultValue);

/** A positive real (strengths, ratios). */
export const positiveNumber = (defaultValue: number) => z.number().positive().default(defaultValue);

export const secondsBetween = (from: Date | string, to: Date): number =>
  (to.getTime() - new Date(from).getTime()) / 1000;

export const iso = (value: Date | string | null): string | null =>
  value === null ? null : new Date(value).toISOString();

/**
 * A timestamp column as a sensor's raw statement returns it: drizzle hands timestamptz back as
 * PostgreSQL's text form (`2026-03-01 00:00:00+00`), which Date parses; tests may pass Dates.
 */
export type DbTime = Date | string;

export const toDate = (value: DbTime): Date => (value instanceof Date ? value : new Date(value));
