// What a learning's evidence ids are, looked up on the server for the detail page: a prefixed id
// names its kind; a bare id is tried against the objects that have pages (instance, approval
// request, event, node, learning) and linked as the one that answers. Ids nothing answers for
// (decisions, remediations, deleted objects) are shown as they are.
import type { Fetched } from "../../lib/server-api";
import { EVIDENCE_PROBES, type EvidenceKind, evidenceHref, evidenceLabel, evidenceRef } from "./learning-model";

export interface EvidenceItem {
  raw: string;
  kind: EvidenceKind | null;
  href: string | null;
  label: string;
}

/** Bare ids looked up per page view; the rest are listed without a lookup. */
const LOOKUPS = 10;

type Get = <T>(path: string) => Promise<Fetched<T>>;

async function probe(get: Get, id: string): Promise<{ kind: EvidenceKind; label: string } | null> {
  const answers = await Promise.all(EVIDENCE_PROBES.map((p) => get<unknown>(p.path(id))));
  const i = answers.findIndex((a) => a.ok);
  const hit = i >= 0 ? answers[i] : undefined;
  const kind = EVIDENCE_PROBES[i]?.kind;
  return hit?.ok && kind ? { kind, label: evidenceLabel(kind, hit.value) } : null;
}

export async function readEvidence(get: Get, evidence: readonly string[]): Promise<EvidenceItem[]> {
  let lookups = 0;
  return Promise.all(
    evidence.map(async (raw): Promise<EvidenceItem> => {
      const ref = evidenceRef(raw);
      if (ref.type === "text") return { raw, kind: null, href: null, label: ref.text };
      if (ref.type === "linked")
        return { raw, kind: ref.kind, href: evidenceHref(ref.kind, ref.id), label: `${ref.kind} ${ref.id}` };
      if (lookups++ >= LOOKUPS) return { raw, kind: null, href: null, label: ref.id };
      const found = await probe(get, ref.id);
      return found
        ? { raw, kind: found.kind, href: evidenceHref(found.kind, ref.id), label: found.label }
        : { raw, kind: null, href: null, label: ref.id };
    }),
  );
}
