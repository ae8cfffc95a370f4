// The pool size rule `max ≥ target ≥ min ≥ 0` (spec/domain.md §1.6) as field-named errors, checked
// before the database CHECK so the caller learns which field to change.
import type { FieldError } from "../errors.ts";

export interface PoolSizes {
  min_size: number;
  target_size: number;
  max_size: number;
}

export function sizeErrors(s: PoolSizes): FieldError[] {
  const errors: FieldError[] = [];
  if (s.min_size < 0) errors.push({ path: "min_size", message: "must be ≥ 0" });
  if (s.target_size > s.max_size) errors.push({ path: "target_size", message: `must be ≤ max_size (${s.max_size})` });
  if (s.min_size > s.target_size)
    errors.push({ path: "min_size", message: `must be ≤ target_size (${s.target_size})` });
  return errors;
}
