// The dashboard's sizes and sources (spec/ui.md §5), shared by the server page and the live parts.
export const FEED_BACKLOG = 100;
export const FEED_BUFFER = 500;
/** The instances whose heartbeat freshness the health panel charts. */
export const HEARTBEAT_INSTANCES_PATH = "/api/v1/node_instances?status=running,starting,rebooting";
