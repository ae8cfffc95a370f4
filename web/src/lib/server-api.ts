// Server components' API client: the same API over NODEPILOT_INTERNAL_URL (set by the process that
// serves the UI), with the caller's session cookie forwarded, so a page renders what its user may see.
import { cookies } from "next/headers";
import type { Problem } from "./api-types";

export type Fetched<T> = { ok: true; value: T } | { ok: false; status: number; problem: Problem };

const base = () => {
  const url = process.env.NODEPILOT_INTERNAL_URL;
  if (!url) throw new Error("NODEPILOT_INTERNAL_URL is not set: the web UI must be served by `nodepilot start`");
  return url;
};

export async function serverGet<T>(path: string): Promise<Fetched<T>> {
  const jar = await cookies();
  const session = jar.get("np_session")?.value;
  try {
    const res = await fetch(`${base()}${path}`, {
      headers: { accept: "application/json", ...(session ? { cookie: `np_session=${session}` } : {}) },
      cache: "no-store",
    });
    const text = await res.text();
    const json = text ? JSON.parse(text) : undefined;
    if (!res.ok) return { ok: false, status: res.status, problem: (json as Problem) ?? { status: res.status } };
    return { ok: true, value: json as T };
  } catch (err) {
    return { ok: false, status: 0, problem: { status: 0, detail: `the API is unreachable: ${String(err)}` } };
  }
}
