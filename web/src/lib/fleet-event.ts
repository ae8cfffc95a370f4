// One fleet event as GET /api/v1/events/stream delivers it (the `data` of each SSE message; `id:` is
// its seq). Only the fields the UI relies on are named; the rest pass through untyped.

export interface FleetEvent {
  id: string;
  seq: number;
  kind: string;
  severity: "low" | "medium" | "high" | "critical";
  correlation_id: string | null;
  subject_type: string | null;
  subject_id: string | null;
  payload: Record<string, unknown>;
  created_at: string;
  [field: string]: unknown;
}

/** A filter on live events: `kind` is exact, or a prefix when it ends in `*` ("autonomy.approval_*"). */
export interface FleetEventFilter {
  kind?: string;
  subjectType?: string;
  subjectId?: string;
}

export function matchesEvent(e: FleetEvent, f: FleetEventFilter | undefined): boolean {
  if (!f) return true;
  if (f.kind !== undefined) {
    const ok = f.kind.endsWith("*") ? e.kind.startsWith(f.kind.slice(0, -1)) : e.kind === f.kind;
    if (!ok) return false;
  }
  if (f.subjectType !== undefined && e.subject_type !== f.subjectType) return false;
  if (f.subjectId !== undefined && e.subject_id !== f.subjectId) return false;
  return true;
}

export function parseFleetEvent(data: string): FleetEvent | null {
  try {
    const v = JSON.parse(data) as Partial<FleetEvent>;
    if (typeof v !== "object" || v === null || typeof v.kind !== "string" || typeof v.seq !== "number") return null;
    return { ...v, payload: (v.payload ?? {}) as Record<string, unknown> } as FleetEvent;
  } catch {
    return null;
  }
}
