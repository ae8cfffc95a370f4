// Adapts the process's EventHub to mcp-server's FleetEventFeed port: one hub subscription per
// follower, drained in order; a gap (the follower fell behind) is passed on as `null`.
import type { FleetEventFeed } from "@nodepilot/mcp-server";
import type { EventHub } from "../events/event-hub.ts";

export function eventFeedOf(hub: EventHub): FleetEventFeed {
  return {
    async follow(accountId, onEvent) {
      const sub = await hub.subscribe(accountId, () => true);
      void (async () => {
        for (;;) {
          const item = await sub.queue.next();
          if (!item) return;
          try {
            onEvent(item.type === "event" ? item.event : null);
          } catch {
            // A follower's failure is its own; the feed goes on for the others.
          }
        }
      })();
      return () => sub.close();
    },
  };
}
