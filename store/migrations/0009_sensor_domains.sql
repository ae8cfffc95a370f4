CREATE TABLE "gitops_proposals" (
	"id" uuid PRIMARY KEY NOT NULL,
	"account_id" uuid NOT NULL,
	"repository_id" uuid NOT NULL,
	"sync_run_id" uuid,
	"action" text NOT NULL,
	"resource_type" text NOT NULL,
	"resource_name" text NOT NULL,
	"diff" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"decided_by_id" uuid,
	"decided_at" timestamp with time zone,
	"applied_at" timestamp with time zone,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	"updated_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	CONSTRAINT "gitops_proposals_status" CHECK ("gitops_proposals"."status" IN ('pending', 'approved', 'rejected', 'applied', 'superseded')),
	CONSTRAINT "gitops_proposals_action" CHECK ("gitops_proposals"."action" IN ('create', 'update', 'destroy'))
);
--> statement-breakpoint
CREATE TABLE "gitops_repositories" (
	"id" uuid PRIMARY KEY NOT NULL,
	"account_id" uuid NOT NULL,
	"name" text NOT NULL,
	"url" text NOT NULL,
	"branch" text DEFAULT 'main' NOT NULL,
	"path" text DEFAULT 'fleet.yaml' NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"last_synced_at" timestamp with time zone,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	"updated_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL
);
--> statement-breakpoint
CREATE TABLE "gitops_sync_runs" (
	"id" uuid PRIMARY KEY NOT NULL,
	"account_id" uuid NOT NULL,
	"repository_id" uuid NOT NULL,
	"status" text DEFAULT 'running' NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"completed_at" timestamp with time zone,
	"synced_revision" text,
	"diff_count" integer DEFAULT 0 NOT NULL,
	"diff_summary" jsonb DEFAULT '{"create":0,"update":0,"destroy":0}'::jsonb NOT NULL,
	"error" text,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	CONSTRAINT "gitops_sync_runs_status" CHECK ("gitops_sync_runs"."status" IN ('running', 'succeeded', 'failed')),
	CONSTRAINT "gitops_sync_runs_summary" CHECK ("gitops_sync_runs"."diff_count" >= 0 AND jsonb_typeof("gitops_sync_runs"."diff_summary"->'create') = 'number' AND jsonb_typeof("gitops_sync_runs"."diff_summary"->'update') = 'number' AND jsonb_typeof("gitops_sync_runs"."diff_summary"->'destroy') = 'number' AND ("gitops_sync_runs"."diff_summary"->>'create')::int + ("gitops_sync_runs"."diff_summary"->>'update')::int + ("gitops_sync_runs"."diff_summary"->>'destroy')::int = "gitops_sync_runs"."diff_count"),
	CONSTRAINT "gitops_sync_runs_completion" CHECK (("gitops_sync_runs"."status" = 'running') = ("gitops_sync_runs"."completed_at" IS NULL) AND ("gitops_sync_runs"."status" <> 'succeeded' OR "gitops_sync_runs"."synced_revision" IS NOT NULL))
);
--> statement-breakpoint
CREATE TABLE "cve_exposures" (
	"id" uuid PRIMARY KEY NOT NULL,
	"account_id" uuid NOT NULL,
	"cve_id" text NOT NULL,
	"module_version_id" uuid NOT NULL,
	"package_name" text NOT NULL,
	"package_version" text NOT NULL,
	"state" text DEFAULT 'open' NOT NULL,
	"match_method" text NOT NULL,
	"detected_at" timestamp with time zone NOT NULL,
	"resolved_at" timestamp with time zone,
	"wont_fix_reason" text,
	"decided_by_id" uuid,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	"updated_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	CONSTRAINT "cve_exposures_state" CHECK ("cve_exposures"."state" IN ('open', 'remediating', 'resolved', 'wont_fix')),
	CONSTRAINT "cve_exposures_match_method" CHECK ("cve_exposures"."match_method" IN ('sbom', 'package_spec', 'manual')),
	CONSTRAINT "cve_exposures_wont_fix_reason" CHECK ("cve_exposures"."state" <> 'wont_fix' OR length(trim(coalesce("cve_exposures"."wont_fix_reason", ''))) > 0)
);
--> statement-breakpoint
CREATE TABLE "cves" (
	"id" uuid PRIMARY KEY NOT NULL,
	"cve_id" text NOT NULL,
	"severity" text DEFAULT 'unknown' NOT NULL,
	"cvss_score" double precision,
	"summary" text DEFAULT '' NOT NULL,
	"affected_packages" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"reference_url" text,
	"published_at" timestamp with time zone,
	"ingested_at" timestamp with time zone NOT NULL,
	"feed_source" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	CONSTRAINT "cves_cve_id_unique" UNIQUE("cve_id"),
	CONSTRAINT "cves_cve_id" CHECK ("cves"."cve_id" ~ '^CVE-[0-9]{4}-[0-9]{4,}$'),
	CONSTRAINT "cves_severity" CHECK ("cves"."severity" IN ('critical', 'high', 'medium', 'low', 'unknown')),
	CONSTRAINT "cves_cvss_score" CHECK ("cves"."cvss_score" IS NULL OR "cves"."cvss_score" BETWEEN 0 AND 10)
);
--> statement-breakpoint
CREATE TABLE "package_module_links" (
	"id" uuid PRIMARY KEY NOT NULL,
	"account_id" uuid NOT NULL,
	"package_repository_id" uuid NOT NULL,
	"node_module_id" uuid NOT NULL,
	"package_name" text NOT NULL,
	"package_version" text NOT NULL,
	"architecture" text NOT NULL,
	"last_synced_at" timestamp with time zone NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	"updated_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	CONSTRAINT "package_module_links_architecture" CHECK ("package_module_links"."architecture" IN ('amd64', 'arm64', 'all', 'noarch'))
);
--> statement-breakpoint
CREATE TABLE "package_repositories" (
	"id" uuid PRIMARY KEY NOT NULL,
	"account_id" uuid NOT NULL,
	"name" text NOT NULL,
	"kind" text NOT NULL,
	"base_url" text NOT NULL,
	"distribution" text,
	"components" text[] DEFAULT '{}'::text[] NOT NULL,
	"architectures" text[] DEFAULT '{amd64}'::text[] NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"last_synced_at" timestamp with time zone,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	"updated_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	CONSTRAINT "package_repositories_kind" CHECK ("package_repositories"."kind" IN ('apt', 'rpm', 'dnf'))
);
--> statement-breakpoint
CREATE TABLE "packages" (
	"id" uuid PRIMARY KEY NOT NULL,
	"account_id" uuid NOT NULL,
	"package_repository_id" uuid NOT NULL,
	"name" text NOT NULL,
	"version" text NOT NULL,
	"architecture" text NOT NULL,
	"summary" text DEFAULT '' NOT NULL,
	"first_seen_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	CONSTRAINT "packages_architecture" CHECK ("packages"."architecture" IN ('amd64', 'arm64', 'all', 'noarch'))
);
--> statement-breakpoint
CREATE TABLE "infrastructure_projects" (
	"id" uuid PRIMARY KEY NOT NULL,
	"account_id" uuid NOT NULL,
	"name" text NOT NULL,
	"status" text DEFAULT 'draft' NOT NULL,
	"slo_targets" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"brief" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	"updated_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	CONSTRAINT "infrastructure_projects_status" CHECK ("infrastructure_projects"."status" IN ('draft', 'active', 'paused', 'archived')),
	CONSTRAINT "infrastructure_projects_documents" CHECK (jsonb_typeof("infrastructure_projects"."slo_targets") = 'object' AND jsonb_typeof("infrastructure_projects"."brief") = 'object')
);
--> statement-breakpoint
CREATE TABLE "project_metrics" (
	"id" uuid PRIMARY KEY NOT NULL,
	"account_id" uuid NOT NULL,
	"project_id" uuid NOT NULL,
	"availability_pct" double precision,
	"p99_latency_ms" double precision,
	"throughput" double precision,
	"cost_usd" double precision,
	"replica_count" integer,
	"region_count" integer,
	"observed_at" timestamp with time zone NOT NULL,
	"correlation_id" uuid,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	CONSTRAINT "project_metrics_ranges" CHECK (("project_metrics"."availability_pct" IS NULL OR "project_metrics"."availability_pct" BETWEEN 0 AND 100) AND ("project_metrics"."p99_latency_ms" IS NULL OR "project_metrics"."p99_latency_ms" >= 0) AND ("project_metrics"."throughput" IS NULL OR "project_metrics"."throughput" >= 0) AND ("project_metrics"."cost_usd" IS NULL OR "project_metrics"."cost_usd" >= 0) AND ("project_metrics"."replica_count" IS NULL OR "project_metrics"."replica_count" >= 0) AND ("project_metrics"."region_count" IS NULL OR "project_metrics"."region_count" >= 0))
);
--> statement-breakpoint
CREATE TABLE "sdwan_bgp_sessions" (
	"id" uuid PRIMARY KEY NOT NULL,
	"account_id" uuid NOT NULL,
	"peer_id" uuid NOT NULL,
	"neighbor_peer_id" uuid,
	"neighbor_address" text NOT NULL,
	"state" text DEFAULT 'idle' NOT NULL,
	"last_state_change_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	"last_observed_at" timestamp with time zone,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	"updated_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	CONSTRAINT "sdwan_bgp_sessions_state" CHECK ("sdwan_bgp_sessions"."state" IN ('idle', 'connect', 'active', 'opensent', 'openconfirm', 'established'))
);
--> statement-breakpoint
CREATE TABLE "sdwan_membership_credentials" (
	"id" uuid PRIMARY KEY NOT NULL,
	"account_id" uuid NOT NULL,
	"peer_id" uuid NOT NULL,
	"network_id" uuid NOT NULL,
	"revision" integer NOT NULL,
	"envelope" text NOT NULL,
	"live" boolean DEFAULT false NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"issued_at" timestamp with time zone NOT NULL,
	"refresh_after" timestamp with time zone NOT NULL,
	"not_after" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	"updated_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	CONSTRAINT "sdwan_membership_credentials_status" CHECK ("sdwan_membership_credentials"."status" IN ('active', 'expiring', 'superseded', 'revoked', 'expired')),
	CONSTRAINT "sdwan_membership_credentials_revision" CHECK ("sdwan_membership_credentials"."revision" >= 1),
	CONSTRAINT "sdwan_membership_credentials_window" CHECK ("sdwan_membership_credentials"."issued_at" <= "sdwan_membership_credentials"."refresh_after" AND "sdwan_membership_credentials"."refresh_after" <= "sdwan_membership_credentials"."not_after")
);
--> statement-breakpoint
CREATE TABLE "sdwan_networks" (
	"id" uuid PRIMARY KEY NOT NULL,
	"account_id" uuid NOT NULL,
	"name" text NOT NULL,
	"cidr_64" text NOT NULL,
	"topology" text DEFAULT 'hub_and_spoke' NOT NULL,
	"routing_protocol" text DEFAULT 'static' NOT NULL,
	"status" text DEFAULT 'registered' NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	"updated_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	CONSTRAINT "sdwan_networks_status" CHECK ("sdwan_networks"."status" IN ('registered', 'active', 'suspended', 'decommissioned')),
	CONSTRAINT "sdwan_networks_topology" CHECK ("sdwan_networks"."topology" IN ('full_mesh', 'hub_and_spoke')),
	CONSTRAINT "sdwan_networks_routing_protocol" CHECK ("sdwan_networks"."routing_protocol" IN ('static', 'ibgp'))
);
--> statement-breakpoint
CREATE TABLE "sdwan_peers" (
	"id" uuid PRIMARY KEY NOT NULL,
	"account_id" uuid NOT NULL,
	"network_id" uuid NOT NULL,
	"node_instance_id" uuid NOT NULL,
	"assigned_address" text NOT NULL,
	"listen_port" integer DEFAULT 51820 NOT NULL,
	"publicly_reachable" boolean DEFAULT false NOT NULL,
	"endpoint_host" text,
	"endpoint_port" integer,
	"wireguard_public_key" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"last_handshake_at" timestamp with time zone,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	"updated_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	CONSTRAINT "sdwan_peers_status" CHECK ("sdwan_peers"."status" IN ('pending', 'active', 'degraded', 'disconnected')),
	CONSTRAINT "sdwan_peers_listen_port" CHECK ("sdwan_peers"."listen_port" BETWEEN 1 AND 65535),
	CONSTRAINT "sdwan_peers_endpoint_port" CHECK ("sdwan_peers"."endpoint_port" IS NULL OR "sdwan_peers"."endpoint_port" BETWEEN 1 AND 65535)
);
--> statement-breakpoint
CREATE TABLE "sdwan_virtual_ips" (
	"id" uuid PRIMARY KEY NOT NULL,
	"account_id" uuid NOT NULL,
	"network_id" uuid NOT NULL,
	"name" text NOT NULL,
	"cidr" text NOT NULL,
	"anycast" boolean DEFAULT false NOT NULL,
	"holder_peer_ids" uuid[] DEFAULT '{}'::uuid[] NOT NULL,
	"failover_holder_peer_ids" uuid[] DEFAULT '{}'::uuid[] NOT NULL,
	"state" text DEFAULT 'pending' NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	"updated_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	CONSTRAINT "sdwan_virtual_ips_state" CHECK ("sdwan_virtual_ips"."state" IN ('pending', 'active', 'released')),
	CONSTRAINT "sdwan_virtual_ips_holders" CHECK (CASE WHEN "sdwan_virtual_ips"."anycast" THEN cardinality("sdwan_virtual_ips"."holder_peer_ids") >= 2 ELSE cardinality("sdwan_virtual_ips"."holder_peer_ids") <= 1 END)
);
--> statement-breakpoint
CREATE TABLE "storage_assignments" (
	"id" uuid PRIMARY KEY NOT NULL,
	"account_id" uuid NOT NULL,
	"node_instance_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"target" text NOT NULL,
	"config" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"status_reason" text,
	"last_status_at" timestamp with time zone,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	"updated_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	CONSTRAINT "storage_assignments_kind" CHECK ("storage_assignments"."kind" IN ('mount', 'export', 'smb_user', 'gateway')),
	CONSTRAINT "storage_assignments_status" CHECK ("storage_assignments"."status" IN ('pending', 'provisioning', 'ready', 'degraded', 'failed'))
);
--> statement-breakpoint
ALTER TABLE "gitops_proposals" ADD CONSTRAINT "gitops_proposals_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gitops_proposals" ADD CONSTRAINT "gitops_proposals_repository_id_gitops_repositories_id_fk" FOREIGN KEY ("repository_id") REFERENCES "public"."gitops_repositories"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gitops_proposals" ADD CONSTRAINT "gitops_proposals_sync_run_id_gitops_sync_runs_id_fk" FOREIGN KEY ("sync_run_id") REFERENCES "public"."gitops_sync_runs"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gitops_proposals" ADD CONSTRAINT "gitops_proposals_decided_by_id_users_id_fk" FOREIGN KEY ("decided_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gitops_repositories" ADD CONSTRAINT "gitops_repositories_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gitops_sync_runs" ADD CONSTRAINT "gitops_sync_runs_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gitops_sync_runs" ADD CONSTRAINT "gitops_sync_runs_repository_id_gitops_repositories_id_fk" FOREIGN KEY ("repository_id") REFERENCES "public"."gitops_repositories"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cve_exposures" ADD CONSTRAINT "cve_exposures_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cve_exposures" ADD CONSTRAINT "cve_exposures_cve_id_cves_cve_id_fk" FOREIGN KEY ("cve_id") REFERENCES "public"."cves"("cve_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cve_exposures" ADD CONSTRAINT "cve_exposures_module_version_id_module_versions_id_fk" FOREIGN KEY ("module_version_id") REFERENCES "public"."module_versions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cve_exposures" ADD CONSTRAINT "cve_exposures_decided_by_id_users_id_fk" FOREIGN KEY ("decided_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "package_module_links" ADD CONSTRAINT "package_module_links_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "package_module_links" ADD CONSTRAINT "package_module_links_package_repository_id_package_repositories_id_fk" FOREIGN KEY ("package_repository_id") REFERENCES "public"."package_repositories"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "package_module_links" ADD CONSTRAINT "package_module_links_node_module_id_node_modules_id_fk" FOREIGN KEY ("node_module_id") REFERENCES "public"."node_modules"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "package_repositories" ADD CONSTRAINT "package_repositories_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "packages" ADD CONSTRAINT "packages_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "packages" ADD CONSTRAINT "packages_package_repository_id_package_repositories_id_fk" FOREIGN KEY ("package_repository_id") REFERENCES "public"."package_repositories"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "infrastructure_projects" ADD CONSTRAINT "infrastructure_projects_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project_metrics" ADD CONSTRAINT "project_metrics_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project_metrics" ADD CONSTRAINT "project_metrics_project_id_infrastructure_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."infrastructure_projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sdwan_bgp_sessions" ADD CONSTRAINT "sdwan_bgp_sessions_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sdwan_bgp_sessions" ADD CONSTRAINT "sdwan_bgp_sessions_peer_id_sdwan_peers_id_fk" FOREIGN KEY ("peer_id") REFERENCES "public"."sdwan_peers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sdwan_bgp_sessions" ADD CONSTRAINT "sdwan_bgp_sessions_neighbor_peer_id_sdwan_peers_id_fk" FOREIGN KEY ("neighbor_peer_id") REFERENCES "public"."sdwan_peers"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sdwan_membership_credentials" ADD CONSTRAINT "sdwan_membership_credentials_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sdwan_membership_credentials" ADD CONSTRAINT "sdwan_membership_credentials_peer_id_sdwan_peers_id_fk" FOREIGN KEY ("peer_id") REFERENCES "public"."sdwan_peers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sdwan_membership_credentials" ADD CONSTRAINT "sdwan_membership_credentials_network_id_sdwan_networks_id_fk" FOREIGN KEY ("network_id") REFERENCES "public"."sdwan_networks"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sdwan_networks" ADD CONSTRAINT "sdwan_networks_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sdwan_peers" ADD CONSTRAINT "sdwan_peers_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sdwan_peers" ADD CONSTRAINT "sdwan_peers_network_id_sdwan_networks_id_fk" FOREIGN KEY ("network_id") REFERENCES "public"."sdwan_networks"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sdwan_peers" ADD CONSTRAINT "sdwan_peers_node_instance_id_node_instances_id_fk" FOREIGN KEY ("node_instance_id") REFERENCES "public"."node_instances"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sdwan_virtual_ips" ADD CONSTRAINT "sdwan_virtual_ips_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sdwan_virtual_ips" ADD CONSTRAINT "sdwan_virtual_ips_network_id_sdwan_networks_id_fk" FOREIGN KEY ("network_id") REFERENCES "public"."sdwan_networks"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "storage_assignments" ADD CONSTRAINT "storage_assignments_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "storage_assignments" ADD CONSTRAINT "storage_assignments_node_instance_id_node_instances_id_fk" FOREIGN KEY ("node_instance_id") REFERENCES "public"."node_instances"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "gitops_proposals_repository_status" ON "gitops_proposals" USING btree ("repository_id","status");--> statement-breakpoint
CREATE UNIQUE INDEX "gitops_repositories_account_name" ON "gitops_repositories" USING btree ("account_id","name");--> statement-breakpoint
CREATE INDEX "gitops_sync_runs_repository_completed" ON "gitops_sync_runs" USING btree ("repository_id","completed_at" DESC NULLS LAST);--> statement-breakpoint
CREATE UNIQUE INDEX "cve_exposures_cve_version_package" ON "cve_exposures" USING btree ("cve_id","module_version_id","package_name");--> statement-breakpoint
CREATE INDEX "cve_exposures_account_state" ON "cve_exposures" USING btree ("account_id","state");--> statement-breakpoint
CREATE INDEX "cve_exposures_module_version" ON "cve_exposures" USING btree ("module_version_id","package_name");--> statement-breakpoint
CREATE UNIQUE INDEX "package_module_links_module_package_arch" ON "package_module_links" USING btree ("node_module_id","package_name","architecture");--> statement-breakpoint
CREATE INDEX "package_module_links_account_synced" ON "package_module_links" USING btree ("account_id","last_synced_at");--> statement-breakpoint
CREATE UNIQUE INDEX "package_repositories_account_name" ON "package_repositories" USING btree ("account_id","name");--> statement-breakpoint
CREATE UNIQUE INDEX "packages_repository_name_arch_version" ON "packages" USING btree ("package_repository_id","name","architecture","version");--> statement-breakpoint
CREATE UNIQUE INDEX "infrastructure_projects_account_name" ON "infrastructure_projects" USING btree ("account_id","name");--> statement-breakpoint
CREATE INDEX "infrastructure_projects_account_status" ON "infrastructure_projects" USING btree ("account_id","status");--> statement-breakpoint
CREATE INDEX "project_metrics_project_observed" ON "project_metrics" USING btree ("project_id","observed_at" DESC NULLS LAST);--> statement-breakpoint
CREATE UNIQUE INDEX "sdwan_bgp_sessions_peer_neighbor" ON "sdwan_bgp_sessions" USING btree ("peer_id","neighbor_address");--> statement-breakpoint
CREATE INDEX "sdwan_bgp_sessions_account" ON "sdwan_bgp_sessions" USING btree ("account_id");--> statement-breakpoint
CREATE UNIQUE INDEX "sdwan_membership_credentials_revision" ON "sdwan_membership_credentials" USING btree ("peer_id","network_id","revision");--> statement-breakpoint
CREATE UNIQUE INDEX "sdwan_membership_credentials_live" ON "sdwan_membership_credentials" USING btree ("peer_id","network_id") WHERE "sdwan_membership_credentials"."live";--> statement-breakpoint
CREATE INDEX "sdwan_membership_credentials_account" ON "sdwan_membership_credentials" USING btree ("account_id","not_after");--> statement-breakpoint
CREATE UNIQUE INDEX "sdwan_networks_account_name" ON "sdwan_networks" USING btree ("account_id","name");--> statement-breakpoint
CREATE UNIQUE INDEX "sdwan_networks_account_cidr" ON "sdwan_networks" USING btree ("account_id","cidr_64");--> statement-breakpoint
CREATE UNIQUE INDEX "sdwan_peers_network_instance" ON "sdwan_peers" USING btree ("network_id","node_instance_id");--> statement-breakpoint
CREATE UNIQUE INDEX "sdwan_peers_network_address" ON "sdwan_peers" USING btree ("network_id","assigned_address");--> statement-breakpoint
CREATE INDEX "sdwan_peers_account_network" ON "sdwan_peers" USING btree ("account_id","network_id");--> statement-breakpoint
CREATE UNIQUE INDEX "sdwan_virtual_ips_account_name" ON "sdwan_virtual_ips" USING btree ("account_id","name");--> statement-breakpoint
CREATE UNIQUE INDEX "sdwan_virtual_ips_network_cidr" ON "sdwan_virtual_ips" USING btree ("network_id","cidr");--> statement-breakpoint
CREATE INDEX "sdwan_virtual_ips_account_state" ON "sdwan_virtual_ips" USING btree ("account_id","state");--> statement-breakpoint
CREATE UNIQUE INDEX "storage_assignments_instance_kind_target" ON "storage_assignments" USING btree ("node_instance_id","kind","target");--> statement-breakpoint
CREATE INDEX "storage_assignments_account_unsettled" ON "storage_assignments" USING btree ("account_id","last_status_at") WHERE "storage_assignments"."status" IN ('pending', 'provisioning', 'degraded', 'failed');