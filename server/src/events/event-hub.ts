// Live fleet events for this process (spec/autonomy.md §2.6). One dedicated connection LISTENs on
// the channel emitEvents notifies in the writing transaction, so a notification means "committed";
// the hub then reads the account's new rows by seq (never the NOTIFY payload, which is only
// `<account_id>:<seq>`) and fans them out to that account's subscribers. A dropped listener is
// reconnected and every followed account catches up from the last seq it read.
import { EVENTS_CHANNEL, eventOut, type Logger } from "@nodepilot/core";
import { accounts, type Database, fleet_events } from "@nodepilot/store";
import { and, asc, eq, gt } from "drizzle-orm";
import pg from "pg";
import { type LiveEvent, SubscriberQueue } from "./subscriber-queue.ts";

const READ_BATCH = 500;
const NOTIFICATION = /^([0-9a-f-]{36}):(\d+)$/;

interface EventHubOptions {
  database: Database;
  logger: Logger;
  /** Per-subscriber queue bound (spec: 1,000). */
  queueCapacity?: number;
  /** Reconnect backoff for the listening connection, doubling from min to max. */
  reconnectMs?: { min: number; max: number };
}

export interface Subscription {
  queue: SubscriberQueue;
  /** The account's last seq this hub had read when the subscription began: everything after it arrives live. */
  liveAfter: number;
  close(): void;
}

interface Subscriber {
  queue: SubscriberQueue;
  matches: (event: LiveEvent) => boolean;
}

interface Followed {
  lastRead: number;
  subscribers: Set<Subscriber>;
  /** A read is running; `again` asks it to look once more when it ends. */
  reading: boolean;
  again: boolean;
}

export class EventHub {
  private readonly followed = new Map<string, Followed>();
  private readonly starting = new Map<string, Promise<Followed>>();
  private listener: pg.Client | null = null;
  private pid: number | undefined;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private backoff: number;
  private closed = false;
  private readonly capacity: number;
  private readonly reconnect: { min: number; max: number };

  constructor(private readonly opts: EventHubOptions) {
    this.capacity = opts.queueCapacity ?? 1000;
    this.reconnect = opts.reconnectMs ?? { min: 100, max: 5000 };
    this.backoff = this.reconnect.min;
  }

  /** Opens the listening connection; fails if the database cannot be reached now. */
  async start(): Promise<void> {
    await this.listen();
  }

  /** Whether the listening connection is up (it is re-established in the background when it drops). */
  get listening(): boolean {
    return this.listener !== null;
  }

  /** The listening connection's backend pid (for operators matching it in pg_stat_activity). */
  get listenerPid(): number | undefined {
    return this.listener ? this.pid : undefined;
  }

  /** How many live subscribers this process has for the account (0 once the last one closed). */
  subscriberCount(accountId: string): number {
    return this.followed.get(accountId)?.subscribers.size ?? 0;
  }

  async subscribe(accountId: string, matches: (event: LiveEvent) => boolean): Promise<Subscription> {
    if (this.closed) throw new Error("event hub is closed");
    const followed = this.followed.get(accountId) ?? (await this.follow(accountId));
    const subscriber: Subscriber = { queue: new SubscriberQueue(this.capacity), matches };
    followed.subscribers.add(subscriber);
    return {
      queue: subscriber.queue,
      liveAfter: followed.lastRead,
      close: () => {
        subscriber.queue.close();
        followed.subscribers.delete(subscriber);
        if (followed.subscribers.size === 0 && this.followed.get(accountId) === followed) {
          this.followed.delete(accountId);
        }
      },
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    for (const f of this.followed.values()) for (const s of f.subscribers) s.queue.close();
    this.followed.clear();
    const listener = this.listener;
    this.listener = null;
    await listener?.end().catch(() => {});
  }

  private follow(accountId: string): Promise<Followed> {
    let pending = this.starting.get(accountId);
    if (!pending) {
      pending = (async () => {
        // The committed counter: every seq up to it is committed (ADR 0002), none after it yet.
        const [row] = await this.opts.database.db
          .select({ seq: accounts.event_seq })
          .from(accounts)
          .where(eq(accounts.id, accountId));
        const followed: Followed = { lastRead: row?.seq ?? 0, subscribers: new Set(), reading: false, again: false };
        this.followed.set(accountId, followed);
        // A notification that arrived while the counter was read found no one following: look once.
        this.read(accountId, followed);
        return followed;
      })().finally(() => this.starting.delete(accountId));
      this.starting.set(accountId, pending);
    }
    return pending;
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.opts.database.url,
      application_name: "nodepilot-events",
    });
    client.on("notification", (n) => {
      if (n.channel === EVENTS_CHANNEL) this.onNotification(n.payload ?? "");
    });
    client.on("error", (err) => this.dropped(client, err));
    client.on("end", () => this.dropped(client, undefined));
    try {
      await client.connect();
      await client.query(`LISTEN ${EVENTS_CHANNEL}`);
      const { rows } = await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
      this.pid = rows[0]?.pid;
    } catch (err) {
      await client.end().catch(() => {});
      throw err;
    }
    if (this.closed) {
      await client.end().catch(() => {});
      return;
    }
    this.listener = client;
    this.backoff = this.reconnect.min;
    // Whatever was committed while no one listened is read now.
    for (const [accountId, followed] of this.followed) this.read(accountId, followed);
  }

  private dropped(client: pg.Client, err: Error | undefined): void {
    if (this.listener !== client) return;
    this.listener = null;
    client.end().catch(() => {});
    if (this.closed) return;
    this.opts.logger.warn("fleet event listener lost; reconnecting", { error: err?.message ?? "connection ended" });
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer) return;
    const delay = this.backoff;
    this.backoff = Math.min(this.backoff * 2, this.reconnect.max);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.listen().catch((err: Error) => {
        this.opts.logger.warn("fleet event listener reconnect failed", { error: err.message });
        this.scheduleReconnect();
      });
    }, delay);
    this.reconnectTimer.unref();
  }

  private onNotification(payload: string): void {
    const m = NOTIFICATION.exec(payload);
    if (!m) return;
    const followed = this.followed.get(m[1] as string);
    if (followed && Number(m[2]) > followed.lastRead) this.read(m[1] as string, followed);
  }

  /** Reads the account's rows after lastRead, in seq order, and hands each to matching subscribers. */
  private read(accountId: string, followed: Followed): void {
    if (followed.reading) {
      followed.again = true;
      return;
    }
    followed.reading = true;
    void (async () => {
      try {
        do {
          followed.again = false;
          for (;;) {
            const rows = await this.opts.database.db
              .select()
              .from(fleet_events)
              .where(and(eq(fleet_events.account_id, accountId), gt(fleet_events.seq, followed.lastRead)))
              .orderBy(asc(fleet_events.seq))
              .limit(READ_BATCH);
            for (const row of rows) {
              followed.lastRead = row.seq;
              const event = eventOut(row);
              for (const s of followed.subscribers) if (s.matches(event)) s.queue.push(event);
            }
            if (rows.length < READ_BATCH) break;
          }
        } while (followed.again && !this.closed);
      } catch (err) {
        if (!this.closed) {
          this.opts.logger.warn("fleet event read failed; retrying", {
            account_id: accountId,
            error: (err as Error).message,
          });
          setTimeout(() => {
            if (this.followed.get(accountId) === followed) this.read(accountId, followed);
          }, this.reconnect.max).unref();
        }
      } finally {
        followed.reading = false;
      }
    })();
  }
}
