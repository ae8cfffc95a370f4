// One session's resource subscriptions (spec/mcp.md §5 Resources): the account's committed events are
// followed only while something is subscribed, each event is mapped to the URIs it changes, and
// `deliver` is called with the changed subscribed URIs at most once per window, so a burst (a
// rollout, a tick) costs a client one notification per URI rather than one per event.
import type { FleetEvent, FleetEventFeed } from "./fleet-events.ts";

/** Every URI an event may change; `every event` resources are in the result unconditionally. */
export function urisChangedBy(event: FleetEvent): string[] {
  const uris = ["nodepilot://events/recent", "nodepilot://fleet/summary"];
  const nodeId = event.node_id ?? (event.subject_type === "node" ? event.subject_id : null);
  const instanceId = event.node_instance_id ?? (event.subject_type === "node_instance" ? event.subject_id : null);
  if (nodeId) uris.push(`nodepilot://nodes/${nodeId}`);
  if (instanceId) uris.push(`nodepilot://instances/${instanceId}`);
  if (
    event.kind.startsWith("approval.") ||
    event.kind.startsWith("autonomy.approval_") ||
    event.subject_type === "approval_request"
  ) {
    uris.push("nodepilot://approvals/pending");
  }
  if (event.kind.startsWith("compliance.") || event.kind.startsWith("compliance_snapshot.")) {
    uris.push("nodepilot://compliance/snapshot");
  }
  return uris;
}

export interface ResourceSubscriptionsOptions {
  feed: FleetEventFeed;
  /** Sends `notifications/resources/updated` for these URIs; failures are the caller's to log. */
  deliver(uris: string[]): Promise<void>;
  onError(err: unknown): void;
  /** At most one delivery per URI per window (default 250 ms). */
  windowMs?: number;
  now?: () => number;
}

export class ResourceSubscriptions {
  private readonly uris = new Set<string>();
  private readonly dirty = new Set<string>();
  private following: Promise<() => void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private lastFlush = Number.NEGATIVE_INFINITY;
  private closed = false;
  private readonly windowMs: number;
  private readonly now: () => number;

  constructor(private readonly o: ResourceSubscriptionsOptions) {
    this.windowMs = o.windowMs ?? 250;
    this.now = o.now ?? Date.now;
  }

  get isFollowing(): boolean {
    return this.following !== null;
  }

  /** Subscribes; the first subscription starts following the account, and waits until it does. */
  async add(uri: string, accountId: string): Promise<void> {
    if (this.closed) return;
    this.uris.add(uri);
    this.following ??= this.follow(accountId);
    try {
      await this.following;
    } catch (err) {
      this.uris.delete(uri);
      throw err;
    }
  }

  private follow(accountId: string): Promise<() => void> {
    const started: Promise<() => void> = this.o.feed
      .follow(accountId, (event) => {
        if (this.following === started) this.onEvent(event);
      })
      .then((unfollow) => {
        let done = false;
        const once = () => {
          if (!done) unfollow();
          done = true;
        };
        // A follower must not be left behind if everything was unsubscribed while it was starting.
        if (this.following !== started) once();
        return once;
      });
    started.catch(() => {
      if (this.following === started) this.following = null;
    });
    return started;
  }

  /** Unsubscribes; the last one stops following. */
  remove(uri: string): void {
    this.uris.delete(uri);
    this.dirty.delete(uri);
    if (this.uris.size === 0) this.stop();
  }

  /** The session ended: nothing more is delivered. */
  close(): void {
    this.closed = true;
    this.uris.clear();
    this.stop();
  }

  private stop(): void {
    const f = this.following;
    this.following = null;
    this.dirty.clear();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    f?.then(
      (unfollow) => unfollow(),
      () => {},
    );
  }

  private onEvent(event: FleetEvent | null): void {
    // null: the feed dropped events for us, so any subscribed resource may have changed.
    const changed = event === null ? [...this.uris] : urisChangedBy(event).filter((u) => this.uris.has(u));
    for (const uri of changed) this.dirty.add(uri);
    if (this.dirty.size === 0 || this.timer) return;
    const delay = Math.max(0, this.lastFlush + this.windowMs - this.now());
    this.timer = setTimeout(() => this.flush(), delay);
    this.timer.unref();
  }

  private flush(): void {
    this.timer = null;
    this.lastFlush = this.now();
    const batch = [...this.dirty].filter((u) => this.uris.has(u));
    this.dirty.clear();
    if (batch.length > 0) this.o.deliver(batch).catch((err: unknown) => this.o.onError(err));
  }
}
