// The port through which MCP sessions follow committed fleet events (resource updates, task
// progress). The server adapts its LISTEN/NOTIFY hub to it; mcp-server never opens a listener.
import type { EventSchema } from "@nodepilot/core";
import type { z } from "zod";

export type FleetEvent = z.infer<typeof EventSchema>;

export interface FleetEventFeed {
  /**
   * Calls `onEvent` with each event the account commits from now on, in seq order, until the
   * returned function is called. `null` means events were dropped for this follower (it fell
   * behind): treat everything it watches as changed.
   */
  follow(accountId: string, onEvent: (event: FleetEvent | null) => void): Promise<() => void>;
}
