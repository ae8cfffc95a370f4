"use client";
// The site-wide honeypot banner (spec/ui.md §5): on every page, while a critical canary access of
// the last 24 h is not acknowledged. The recent ones are read once per page load through event.list
// (the canary tile's read, 24 h deep), live ones arrive over the tab's event stream. A live arrival
// is announced (role="alert"); a failed read shows nothing rather than a false alarm, but a live
// arrival shows regardless. Acknowledge remembers the touches in this browser, per user, so the
// banner stays gone on every page — and in other tabs — until a newer access arrives.
import Link from "next/link";
import { useCallback, useEffect, useMemo, useState } from "react";
import { ACCESS_KIND, DAY_MS, groupAccesses } from "@/components/fleet/canaries";
import { useFleetEvents } from "@/components/fleet/event-stream";
import { clientGet, readEventWindow } from "@/components/fleet/event-window";
import { TimeAt } from "@/components/fleet/relative-time";
import type { FleetEvent } from "@/components/fleet/types";
import { useEntityNames } from "@/components/fleet/use-entity-names";
import { useNow } from "@/components/fleet/use-now";
import { canaryNameRefs, type Names, nameKey } from "@/components/fleet/watch-reads";
import { hasScope } from "@/lib/session";
import { useAnnounce } from "./announcer";
import {
  type Acks,
  acknowledge,
  ackStorageKey,
  bannerContent,
  bannerText,
  isCriticalAccess,
  openAlerts,
  parseAcks,
} from "./honeypot-alerts";
import styles from "./honeypot-banner.module.css";
import { useSession } from "./session-context";

/** Pages of 200 access events read for the last 24 h. */
const READ_PAGES = 3;
const NO_NAMES: Names = {};

function byId(a: readonly FleetEvent[], b: readonly FleetEvent[]): FleetEvent[] {
  return [...new Map([...a, ...b].map((e) => [e.id, e])).values()];
}

export function HoneypotBanner() {
  const session = useSession();
  const storageKey = ackStorageKey(session?.user?.id ?? null);
  const canRead = hasScope(session?.scopes ?? [], "fleet:read");
  const announce = useAnnounce();
  const now = useNow(15_000);
  const [events, setEvents] = useState<FleetEvent[]>([]);
  const [truncated, setTruncated] = useState(false);
  /** Touches that arrived live in this tab: those are announced. */
  const [liveKeys, setLiveKeys] = useState<ReadonlySet<string>>(new Set());
  /** null until read from storage after mount (the server cannot know them). */
  const [acks, setAcks] = useState<Acks | null>(null);

  const load = useCallback(() => {
    if (!canRead) return;
    const since = new Date(Date.now() - DAY_MS).toISOString();
    void readEventWindow(clientGet, ACCESS_KIND, since, READ_PAGES).then((read) => {
      // A failed read adds nothing: no banner is better than a false one.
      if (!read.ok) return;
      setEvents((known) => byId(read.window.events, known));
      setTruncated(read.window.truncated);
    });
  }, [canRead]);
  useEffect(load, [load]);

  useEffect(() => {
    const read = () => {
      try {
        setAcks(parseAcks(window.localStorage.getItem(storageKey), Date.now()));
      } catch {
        setAcks({});
      }
    };
    read();
    // Acknowledged in another tab: gone here too.
    const onStorage = (e: StorageEvent) => {
      if (e.key === storageKey) read();
    };
    window.addEventListener("storage", onStorage);
    return () => window.removeEventListener("storage", onStorage);
  }, [storageKey]);

  useFleetEvents((batch) => {
    const arrived = batch.filter(isCriticalAccess);
    if (arrived.length === 0) return;
    setEvents((known) => byId(known, arrived));
    setLiveKeys((keys) => new Set([...keys, ...groupAccesses(arrived).map((a) => a.key)]));
  }, load);

  const open = useMemo(() => (acks ? openAlerts(events, acks, now) : []), [events, acks, now]);
  const newest = open[0];
  const names = useEntityNames(NO_NAMES, newest ? canaryNameRefs([newest]) : []);
  const content = bannerContent(
    open,
    {
      module: (id) => names[nameKey("module", id)] ?? null,
      instance: (id) => names[nameKey("instance", id)] ?? null,
    },
    truncated,
  );
  if (!content || !acks) return null;

  const live = open.some((a) => liveKeys.has(a.key));
  const acknowledgeAll = () => {
    const next = acknowledge(
      acks,
      open.map((a) => a.key),
      Date.now(),
    );
    setAcks(next);
    try {
      window.localStorage.setItem(storageKey, JSON.stringify(next));
    } catch {
      // Storage refused (private mode, quota): acknowledged in this tab only.
    }
    announce(`Acknowledged: ${bannerText(content, Date.now())}.`);
    // The button goes away with the banner; keep the keyboard user's place on the page.
    document.getElementById("main")?.focus();
  };
  return (
    <section className={styles.banner} aria-label="Honeypot alert">
      {/* Remounted when a live arrival makes it an alert, so it is announced then. */}
      <p key={live ? "live" : "read"} role={live ? "alert" : undefined} className={styles.message}>
        <span className="badge critical">critical</span> {content.lead} <TimeAt iso={content.at} now={now} />
      </p>
      <div className={styles.actions}>
        <Link href={`/fleet/events/${encodeURIComponent(content.eventId)}`}>
          View event<span className="visually-hidden"> of the latest honeypot access</span>
        </Link>
        <Link href="/fleet#canary-title">Canary list</Link>
        <button type="button" onClick={acknowledgeAll}>
          Acknowledge
        </button>
      </div>
    </section>
  );
}
