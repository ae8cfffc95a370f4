// The boot replay's place in the URL (spec/ui.md §1.5): which boot, which event and whether the
// comparison is open live in the query string, so a replay position can be linked to.
export interface ReplayQuery {
  boot: string | null;
  event: string | null;
  compare: boolean;
}

export const REPLAY_PARAMS = { boot: "boot", event: "boot_event", compare: "boot_compare" } as const;

type Params = Record<string, string | string[] | undefined>;
const one = (v: string | string[] | undefined) => (Array.isArray(v) ? (v[0] ?? null) : (v ?? null));

/** From a page's searchParams. */
export function replayQueryOf(params: Params): ReplayQuery {
  return {
    boot: one(params[REPLAY_PARAMS.boot]),
    event: one(params[REPLAY_PARAMS.event]),
    compare: one(params[REPLAY_PARAMS.compare]) === "1",
  };
}

/** `search` (location.search) with the replay's parameters set to `q`; other parameters are kept. */
export function withReplayQuery(search: string, q: ReplayQuery): string {
  const params = new URLSearchParams(search);
  const put = (key: string, value: string | null) => (value ? params.set(key, value) : params.delete(key));
  put(REPLAY_PARAMS.boot, q.boot);
  put(REPLAY_PARAMS.event, q.event);
  put(REPLAY_PARAMS.compare, q.compare ? "1" : null);
  const out = params.toString();
  return out ? `?${out}` : "";
}
