"use client";
// Names of the instances and modules a live view refers to: those the server looked up for the
// first render, then each new id looked up once as it appears.
import { useEffect, useRef, useState } from "react";
import { clientGet } from "./event-window";
import { loadNames, type NameRef, type Names, nameKey } from "./watch-reads";

export function useEntityNames(initial: Names, refs: readonly NameRef[]): Names {
  const [names, setNames] = useState(initial);
  const asked = useRef(new Set(Object.keys(initial)));
  const wanted = [...new Set(refs.map((r) => nameKey(r.type, r.id)))].sort().join(",");
  useEffect(() => {
    const missing = wanted
      .split(",")
      .filter((k) => k !== "" && !asked.current.has(k))
      .map((k): NameRef => {
        const [type, id] = k.split(":") as [NameRef["type"], string];
        return { type, id };
      });
    if (missing.length === 0) return;
    for (const r of missing) asked.current.add(nameKey(r.type, r.id));
    void loadNames(clientGet, missing).then((found) => setNames((n) => ({ ...n, ...found })));
  }, [wanted]);
  return names;
}
