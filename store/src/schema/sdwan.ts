// SDWAN overlay (spec/domain.md §1.9, spec/autonomy.md §1.2 #10–#13, #17): networks, their
// WireGuard peers, iBGP sessions, virtual IPs and the signed membership credentials. The tables
// exist so the SDWAN sensors read real rows; the operations that manage them come later.
import { sql } from "drizzle-orm";
import { boolean, check, index, integer, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { inSet } from "./closed-set.ts";
import { createdAt, id, ts, updatedAt, version } from "./columns.ts";
import { node_instances } from "./fleet.ts";
import { accounts } from "./tenancy.ts";

export const SDWAN_NETWORK_STATES = ["registered", "active", "suspended", "decommissioned"] as const;
export const SDWAN_TOPOLOGIES = ["full_mesh", "hub_and_spoke"] as const;
export const SDWAN_ROUTING_PROTOCOLS = ["static", "ibgp"] as const;
/** Derived from handshake age (domain.md §1.9): none → pending, ≤ 3 min active, ≤ 5 min degraded, else disconnected. */
export const SDWAN_PEER_STATES = ["pending", "active", "degraded", "disconnected"] as const;
/** The BGP finite-state machine (RFC 4271 §8.2.2). */
export const BGP_SESSION_STATES = ["idle", "connect", "active", "opensent", "openconfirm", "established"] as const;
export const SDWAN_VIRTUAL_IP_STATES = ["pending", "active", "released"] as const;
export const SDWAN_CREDENTIAL_STATES = ["active", "expiring", "superseded", "revoked", "expired"] as const;

export const sdwan_networks = pgTable(
  "sdwan_networks",
  {
    id: id(),
    account_id: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    /** The overlay's IPv6 /64. */
    cidr_64: text("cidr_64").notNull(),
    topology: text("topology", { enum: SDWAN_TOPOLOGIES }).notNull().default("hub_and_spoke"),
    routing_protocol: text("routing_protocol", { enum: SDWAN_ROUTING_PROTOCOLS }).notNull().default("static"),
    status: text("status", { enum: SDWAN_NETWORK_STATES }).notNull().default("registered"),
    version: version(),
    created_at: createdAt(),
    updated_at: updatedAt(),
  },
  (t) => [
    uniqueIndex("sdwan_networks_account_name").on(t.account_id, t.name),
    uniqueIndex("sdwan_networks_account_cidr").on(t.account_id, t.cidr_64),
    check("sdwan_networks_status", inSet(t.status, SDWAN_NETWORK_STATES)),
    check("sdwan_networks_topology", inSet(t.topology, SDWAN_TOPOLOGIES)),
    check("sdwan_networks_routing_protocol", inSet(t.routing_protocol, SDWAN_ROUTING_PROTOCOLS)),
  ],
);

export const sdwan_peers = pgTable(
  "sdwan_peers",
  {
    id: id(),
    account_id: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    network_id: uuid("network_id")
      .notNull()
      .references(() => sdwan_networks.id, { onDelete: "cascade" }),
    node_instance_id: uuid("node_instance_id")
      .notNull()
      .references(() => node_instances.id, { onDelete: "cascade" }),
    /** The peer's /128 inside the network's /64. */
    assigned_address: text("assigned_address").notNull(),
    listen_port: integer("listen_port").notNull().default(51820),
    /** A publicly reachable peer is a hub. */
    publicly_reachable: boolean("publicly_reachable").notNull().default(false),
    endpoint_host: text("endpoint_host"),
    endpoint_port: integer("endpoint_port"),
    wireguard_public_key: text("wireguard_public_key").notNull(),
    status: text("status", { enum: SDWAN_PEER_STATES }).notNull().default("pending"),
    last_handshake_at: ts("last_handshake_at"),
    version: version(),
    created_at: createdAt(),
    updated_at: updatedAt(),
  },
  (t) => [
    uniqueIndex("sdwan_peers_network_instance").on(t.network_id, t.node_instance_id),
    uniqueIndex("sdwan_peers_network_address").on(t.network_id, t.assigned_address),
    index("sdwan_peers_account_network").on(t.account_id, t.network_id),
    check("sdwan_peers_status", inSet(t.status, SDWAN_PEER_STATES)),
    check("sdwan_peers_listen_port", sql`${t.listen_port} BETWEEN 1 AND 65535`),
    check("sdwan_peers_endpoint_port", sql`${t.endpoint_port} IS NULL OR ${t.endpoint_port} BETWEEN 1 AND 65535`),
  ],
);

/** One iBGP session as the peer's routing daemon last reported it. */
export const sdwan_bgp_sessions = pgTable(
  "sdwan_bgp_sessions",
  {
    id: id(),
    account_id: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    peer_id: uuid("peer_id")
      .notNull()
      .references(() => sdwan_peers.id, { onDelete: "cascade" }),
    /** The neighbour when it is a peer of ours; null for a neighbour outside the overlay. */
    neighbor_peer_id: uuid("neighbor_peer_id").references(() => sdwan_peers.id, { onDelete: "set null" }),
    neighbor_address: text("neighbor_address").notNull(),
    state: text("state", { enum: BGP_SESSION_STATES }).notNull().default("idle"),
    last_state_change_at: ts("last_state_change_at")
      .notNull()
      .default(sql`date_trunc('milliseconds', clock_timestamp())`),
    /** Null until the first report. */
    last_observed_at: ts("last_observed_at"),
    last_error: text("last_error"),
    created_at: createdAt(),
    updated_at: updatedAt(),
  },
  (t) => [
    uniqueIndex("sdwan_bgp_sessions_peer_neighbor").on(t.peer_id, t.neighbor_address),
    index("sdwan_bgp_sessions_account").on(t.account_id),
    check("sdwan_bgp_sessions_state", inSet(t.state, BGP_SESSION_STATES)),
  ],
);

export const sdwan_virtual_ips = pgTable(
  "sdwan_virtual_ips",
  {
    id: id(),
    account_id: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    network_id: uuid("network_id")
      .notNull()
      .references(() => sdwan_networks.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    cidr: text("cidr").notNull(),
    /** Anycast: every holder announces it; at least two holders, never fails over. */
    anycast: boolean("anycast").notNull().default(false),
    holder_peer_ids: uuid("holder_peer_ids").array().notNull().default(sql`'{}'::uuid[]`),
    /** Standby holders, in promotion order. */
    failover_holder_peer_ids: uuid("failover_holder_peer_ids").array().notNull().default(sql`'{}'::uuid[]`),
    state: text("state", { enum: SDWAN_VIRTUAL_IP_STATES }).notNull().default("pending"),
    version: version(),
    created_at: createdAt(),
    updated_at: updatedAt(),
  },
  (t) => [
    uniqueIndex("sdwan_virtual_ips_account_name").on(t.account_id, t.name),
    uniqueIndex("sdwan_virtual_ips_network_cidr").on(t.network_id, t.cidr),
    index("sdwan_virtual_ips_account_state").on(t.account_id, t.state),
    check("sdwan_virtual_ips_state", inSet(t.state, SDWAN_VIRTUAL_IP_STATES)),
    check(
      "sdwan_virtual_ips_holders",
      sql`CASE WHEN ${t.anycast} THEN cardinality(${t.holder_peer_ids}) >= 2 ELSE cardinality(${t.holder_peer_ids}) <= 1 END`,
    ),
  ],
);

/** The signed membership envelope of one peer in one network; refreshing it writes the next revision. */
export const sdwan_membership_credentials = pgTable(
  "sdwan_membership_credentials",
  {
    id: id(),
    account_id: uuid("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    peer_id: uuid("peer_id")
      .notNull()
      .references(() => sdwan_peers.id, { onDelete: "cascade" }),
    network_id: uuid("network_id")
      .notNull()
      .references(() => sdwan_networks.id, { onDelete: "cascade" }),
    revision: integer("revision").notNull(),
    /** The signed envelope as served to the peer. */
    envelope: text("envelope").notNull(),
    /** The revision the peer is currently served; one per (peer, network). */
    live: boolean("live").notNull().default(false),
    status: text("status", { enum: SDWAN_CREDENTIAL_STATES }).notNull().default("active"),
    issued_at: ts("issued_at").notNull(),
    refresh_after: ts("refresh_after").notNull(),
    not_after: ts("not_after").notNull(),
    created_at: createdAt(),
    updated_at: updatedAt(),
  },
  (t) => [
    uniqueIndex("sdwan_membership_credentials_revision").on(t.peer_id, t.network_id, t.revision),
    uniqueIndex("sdwan_membership_credentials_live").on(t.peer_id, t.network_id).where(sql`${t.live}`),
    index("sdwan_membership_credentials_account").on(t.account_id, t.not_after),
    check("sdwan_membership_credentials_status", inSet(t.status, SDWAN_CREDENTIAL_STATES)),
    check("sdwan_membership_credentials_revision", sql`${t.revision} >= 1`),
    check(
      "sdwan_membership_credentials_window",
      sql`${t.issued_at} <= ${t.refresh_after} AND ${t.refresh_after} <= ${t.not_after}`,
    ),
  ],
);
