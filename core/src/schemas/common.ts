// Zod building blocks shared by the catalog's input and output schemas.
import { z } from "zod";

export const Uuid = z.uuid({ error: (issue) => (issue.input === undefined ? "required" : "must be a UUID") });
export const Timestamp = z.iso.datetime({ offset: true });
export const NullableTimestamp = Timestamp.nullable();
export const ResourceName = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9-]{0,62}$/,
    "must be lower-case letters, digits and dashes, starting with a letter or digit (max 63)",
  );
export const Labels = z.record(
  z.string().regex(/^[a-z0-9]([a-z0-9._/-]{0,61}[a-z0-9])?$/, "label keys are lower-case, ≤ 63 chars"),
  z.string().max(253),
);
export const Architecture = z.enum(["amd64", "arm64"]);
export const IdInput = { id: Uuid.describe("The object's id (UUIDv7).") };
export const IdempotencyKey = z
  .string()
  .min(1)
  .max(200)
  .optional()
  .describe("Same key + same input replays the first response for 24 h; a different input is a conflict.");

/** JSON-safe copy of a database row: Dates become RFC 3339 strings. */
export function toJson<T>(value: T): Jsonified<T> {
  return JSON.parse(JSON.stringify(value)) as Jsonified<T>;
}

export type Jsonified<T> = T extends Date
  ? string
  : T extends (infer U)[]
    ? Jsonified<U>[]
    : T extends object
      ? { [K in keyof T]: Jsonified<T[K]> }
      : T;
