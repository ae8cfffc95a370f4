// One live subscriber's bounded queue (spec/autonomy.md §2.6): up to `capacity` events; on overflow
// the oldest is dropped and the dropped run is reported once, as a gap, before the events after it.

import type { EventSchema } from "@nodepilot/core";
import type { z } from "zod";

export type LiveEvent = z.infer<typeof EventSchema>;

/** Events that were dropped for this subscriber, oldest and newest (the client refetches them by seq). */
interface Gap {
  type: "gap";
  from_id: string;
  to_id: string;
  from_seq: number;
  to_seq: number;
}

type QueueItem = { type: "event"; event: LiveEvent } | Gap;

export class SubscriberQueue {
  private events: LiveEvent[] = [];
  private head = 0;
  private gap: Gap | null = null;
  private waiter: (() => void) | null = null;
  private closed = false;
  private newest = 0;

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.events.length - this.head;
  }

  /** The seq of the newest event queued so far (0 before the first). */
  get lastSeq(): number {
    return this.newest;
  }

  push(event: LiveEvent): void {
    if (this.closed) return;
    if (this.size >= this.capacity) {
      const dropped = this.events[this.head++] as LiveEvent;
      this.gap = this.gap
        ? { ...this.gap, to_id: dropped.id, to_seq: dropped.seq }
        : { type: "gap", from_id: dropped.id, to_id: dropped.id, from_seq: dropped.seq, to_seq: dropped.seq };
    }
    this.events.push(event);
    this.newest = event.seq;
    if (this.head > 1024 && this.head * 2 > this.events.length) {
      this.events = this.events.slice(this.head);
      this.head = 0;
    }
    this.wake();
  }

  /** The next item, waiting for one; null once closed. */
  async next(): Promise<QueueItem | null> {
    for (;;) {
      if (this.closed) return null;
      if (this.gap) {
        const gap = this.gap;
        this.gap = null;
        return gap;
      }
      if (this.size > 0) return { type: "event", event: this.events[this.head++] as LiveEvent };
      await new Promise<void>((ok) => {
        this.waiter = ok;
      });
    }
  }

  close(): void {
    this.closed = true;
    this.events = [];
    this.head = 0;
    this.wake();
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }
}
