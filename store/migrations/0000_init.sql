CREATE TABLE "fleet_events" (
	"id" uuid PRIMARY KEY NOT NULL,
	"account_id" uuid NOT NULL,
	"seq" bigint NOT NULL,
	"kind" text NOT NULL,
	"severity" text DEFAULT 'low' NOT NULL,
	"payload" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"correlation_id" text,
	"source" text NOT NULL,
	"actor_type" text NOT NULL,
	"actor_id" text,
	"subject_type" text,
	"subject_id" uuid,
	"node_id" uuid,
	"node_instance_id" uuid,
	"node_module_id" uuid,
	"module_version_id" uuid,
	"task_id" uuid,
	"cve_id" text,
	"certificate_id" uuid,
	"instance_pool_id" uuid,
	"emitted_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL
);
--> statement-breakpoint
CREATE TABLE "node_instances" (
	"id" uuid PRIMARY KEY NOT NULL,
	"account_id" uuid NOT NULL,
	"node_id" uuid NOT NULL,
	"name" text NOT NULL,
	"variety" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"status_changed_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	"status_reason" text,
	"architecture" text DEFAULT 'amd64' NOT NULL,
	"network_profile" text DEFAULT 'lightweight' NOT NULL,
	"provider_connection_id" uuid,
	"provider_region_id" uuid,
	"provider_zone_id" uuid,
	"instance_type_id" uuid,
	"image_id" uuid,
	"cloud_instance_id" text,
	"boot_mode" text,
	"environment_id" uuid,
	"private_ip" text,
	"public_ip" text,
	"vpn_ip" text,
	"mac_address" text,
	"latitude" double precision,
	"longitude" double precision,
	"last_heartbeat_at" timestamp with time zone,
	"agent_version" text,
	"boot_id" text,
	"booted_image_git_sha" text,
	"running_module_digests" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"capabilities" text[] DEFAULT '{}'::text[] NOT NULL,
	"mount_mode" text,
	"last_synced_at" timestamp with time zone,
	"claim_code" text,
	"claimed_at" timestamp with time zone,
	"discovered_dmi_uuid" text,
	"discovered_hostname" text,
	"discovered_mac" text,
	"hold" jsonb,
	"cordoned_at" timestamp with time zone,
	"config" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	"updated_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	CONSTRAINT "node_instances_mac_address_unique" UNIQUE("mac_address")
);
--> statement-breakpoint
CREATE TABLE "node_platforms" (
	"id" uuid PRIMARY KEY NOT NULL,
	"account_id" uuid NOT NULL,
	"name" text NOT NULL,
	"architectures" text[] NOT NULL,
	"init_script" text,
	"cosign_identity_regexp" text,
	"cosign_issuer_regexp" text,
	"disk_image_oci_ref" text,
	"disk_image_sha256" text,
	"disk_image_git_sha" text,
	"disk_image_size_bytes" bigint,
	"disk_image_retention_count" integer DEFAULT 3 NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	"updated_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL
);
--> statement-breakpoint
CREATE TABLE "node_templates" (
	"id" uuid PRIMARY KEY NOT NULL,
	"account_id" uuid NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"public" boolean DEFAULT false NOT NULL,
	"node_platform_id" uuid NOT NULL,
	"admin_user" text,
	"environment_id" uuid,
	"config" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	"updated_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL
);
--> statement-breakpoint
CREATE TABLE "nodes" (
	"id" uuid PRIMARY KEY NOT NULL,
	"account_id" uuid NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"node_template_id" uuid NOT NULL,
	"environment_id" uuid,
	"public_address" text,
	"allocate_public_ip" boolean DEFAULT false NOT NULL,
	"config" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"ssh_key_type" text DEFAULT 'ed25519' NOT NULL,
	"ssh_key_encrypted" text NOT NULL,
	"ssh_key_fingerprint" text NOT NULL,
	"ssh_public_key" text NOT NULL,
	"ssh_host_key_encrypted" text NOT NULL,
	"ssh_host_key_fingerprint" text NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	"updated_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL
);
--> statement-breakpoint
CREATE TABLE "bootstrap_tokens" (
	"id" uuid PRIMARY KEY NOT NULL,
	"account_id" uuid NOT NULL,
	"node_id" uuid NOT NULL,
	"node_instance_id" uuid NOT NULL,
	"intended_subject" text NOT NULL,
	"token_hash" text NOT NULL,
	"purpose" text DEFAULT 'enroll' NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"consumed_at" timestamp with time zone,
	"consumed_from_ip" text,
	"revoked_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	CONSTRAINT "bootstrap_tokens_token_hash_unique" UNIQUE("token_hash")
);
--> statement-breakpoint
CREATE TABLE "certificate_authorities" (
	"id" uuid PRIMARY KEY NOT NULL,
	"account_id" uuid NOT NULL,
	"cert_pem" text NOT NULL,
	"key_encrypted" text NOT NULL,
	"not_after" timestamp with time zone NOT NULL,
	"crl_number" bigint DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	CONSTRAINT "certificate_authorities_account_id_unique" UNIQUE("account_id")
);
--> statement-breakpoint
CREATE TABLE "node_certificates" (
	"id" uuid PRIMARY KEY NOT NULL,
	"account_id" uuid NOT NULL,
	"serial" text NOT NULL,
	"subject" text NOT NULL,
	"issuer_subject" text NOT NULL,
	"subject_kind" text DEFAULT 'instance' NOT NULL,
	"node_instance_id" uuid,
	"not_before" timestamp with time zone NOT NULL,
	"not_after" timestamp with time zone NOT NULL,
	"pem_chain" text NOT NULL,
	"public_key_sha256" text NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"revoked_at" timestamp with time zone,
	"revocation_reason" text,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	CONSTRAINT "node_certificates_serial_unique" UNIQUE("serial")
);
--> statement-breakpoint
CREATE TABLE "unclaimed_devices" (
	"id" uuid PRIMARY KEY NOT NULL,
	"account_id" uuid NOT NULL,
	"claim_code" text NOT NULL,
	"discovered_mac" text,
	"discovered_dmi_uuid" text,
	"discovered_hostname" text,
	"platform_hint" text,
	"architecture" text,
	"agent_version" text,
	"first_seen_at" timestamp with time zone NOT NULL,
	"last_seen_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"claimed_node_instance_id" uuid,
	CONSTRAINT "unclaimed_devices_claim_code_unique" UNIQUE("claim_code")
);
--> statement-breakpoint
CREATE TABLE "module_artifacts" (
	"id" uuid PRIMARY KEY NOT NULL,
	"account_id" uuid NOT NULL,
	"module_version_id" uuid NOT NULL,
	"architecture" text NOT NULL,
	"oci_ref" text NOT NULL,
	"oci_digest" text NOT NULL,
	"media_type" text NOT NULL,
	"size_bytes" bigint NOT NULL,
	"fsverity_root_hash" text NOT NULL,
	"signature_bundle" jsonb,
	"delivery_signature" text,
	"sbom_uri" text,
	"built_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL
);
--> statement-breakpoint
CREATE TABLE "module_dependencies" (
	"id" uuid PRIMARY KEY NOT NULL,
	"account_id" uuid NOT NULL,
	"node_module_id" uuid NOT NULL,
	"dependency_id" uuid NOT NULL,
	"dependency_type" text NOT NULL,
	"version_constraint" text,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL
);
--> statement-breakpoint
CREATE TABLE "module_environment_pins" (
	"id" uuid PRIMARY KEY NOT NULL,
	"account_id" uuid NOT NULL,
	"environment_id" uuid NOT NULL,
	"node_module_id" uuid NOT NULL,
	"module_version_id" uuid NOT NULL,
	"promoted_by_type" text NOT NULL,
	"promoted_by_id" text,
	"promoted_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "module_versions" (
	"id" uuid PRIMARY KEY NOT NULL,
	"account_id" uuid NOT NULL,
	"node_module_id" uuid NOT NULL,
	"version_number" integer NOT NULL,
	"source_version" text,
	"promotion_state" text DEFAULT 'draft' NOT NULL,
	"staging_at" timestamp with time zone,
	"blessed_at" timestamp with time zone,
	"live_at" timestamp with time zone,
	"deprecated_at" timestamp with time zone,
	"retired_at" timestamp with time zone,
	"mask" text[] DEFAULT '{}'::text[] NOT NULL,
	"file_spec" text[] DEFAULT '{}'::text[] NOT NULL,
	"package_spec" text[] DEFAULT '{}'::text[] NOT NULL,
	"dependency_spec" text[] DEFAULT '{}'::text[] NOT NULL,
	"protected_spec" text[] DEFAULT '{}'::text[] NOT NULL,
	"config" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"manifest" jsonb,
	"manifest_sha256" text,
	"oci_digest" text,
	"fsverity_root_hash" text,
	"size_bytes" bigint,
	"sbom_uri" text,
	"vex_uri" text,
	"provenance_uri" text,
	"changelog" text,
	"build_fingerprint" text,
	"created_by_id" uuid,
	"publish_error" text,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	"updated_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL
);
--> statement-breakpoint
CREATE TABLE "node_module_assignments" (
	"id" uuid PRIMARY KEY NOT NULL,
	"account_id" uuid NOT NULL,
	"node_id" uuid NOT NULL,
	"node_module_id" uuid NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"priority_override" integer,
	"config" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"auto_resolved" boolean DEFAULT false NOT NULL,
	"source_template_module_id" uuid,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	"updated_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL
);
--> statement-breakpoint
CREATE TABLE "node_module_categories" (
	"id" uuid PRIMARY KEY NOT NULL,
	"account_id" uuid NOT NULL,
	"name" text NOT NULL,
	"slug" text NOT NULL,
	"variety" text NOT NULL,
	"position" integer NOT NULL,
	"parent_id" uuid,
	"config_category_id" uuid,
	"instance_category_id" uuid,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL
);
--> statement-breakpoint
CREATE TABLE "node_modules" (
	"id" uuid PRIMARY KEY NOT NULL,
	"account_id" uuid NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"variety" text DEFAULT 'config' NOT NULL,
	"category_id" uuid,
	"priority" integer DEFAULT 0 NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"public" boolean DEFAULT false NOT NULL,
	"node_platform_id" uuid,
	"parent_module_id" uuid,
	"source_repo" text,
	"mask" text[] DEFAULT '{}'::text[] NOT NULL,
	"file_spec" text[] DEFAULT '{}'::text[] NOT NULL,
	"package_spec" text[] DEFAULT '{}'::text[] NOT NULL,
	"dependency_spec" text[] DEFAULT '{}'::text[] NOT NULL,
	"protected_spec" text[] DEFAULT '{}'::text[] NOT NULL,
	"config" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"reboot_required" boolean DEFAULT false NOT NULL,
	"lock_spec" boolean DEFAULT false NOT NULL,
	"manifest" jsonb,
	"capabilities" text[] DEFAULT '{}'::text[] NOT NULL,
	"trust_policy" jsonb,
	"current_version_id" uuid,
	"auto_promote" boolean DEFAULT true NOT NULL,
	"consent_budget_per_day" integer,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	"updated_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL
);
--> statement-breakpoint
CREATE TABLE "template_modules" (
	"id" uuid PRIMARY KEY NOT NULL,
	"account_id" uuid NOT NULL,
	"node_template_id" uuid NOT NULL,
	"node_module_id" uuid NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"priority" integer DEFAULT 0 NOT NULL,
	"config" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"recommends_override" jsonb,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	"updated_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL
);
--> statement-breakpoint
CREATE TABLE "instance_pool_members" (
	"id" uuid PRIMARY KEY NOT NULL,
	"account_id" uuid NOT NULL,
	"instance_pool_id" uuid NOT NULL,
	"node_instance_id" uuid NOT NULL,
	"state" text DEFAULT 'warming' NOT NULL,
	"warming_started_at" timestamp with time zone NOT NULL,
	"ready_at" timestamp with time zone,
	"claimed_at" timestamp with time zone,
	"claimed_by_type" text,
	"claimed_by_id" text,
	"claim_expires_at" timestamp with time zone,
	"terminate_attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	"updated_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	CONSTRAINT "instance_pool_members_node_instance_id_unique" UNIQUE("node_instance_id")
);
--> statement-breakpoint
CREATE TABLE "instance_pools" (
	"id" uuid PRIMARY KEY NOT NULL,
	"account_id" uuid NOT NULL,
	"name" text NOT NULL,
	"node_template_id" uuid NOT NULL,
	"provider_region_id" uuid,
	"instance_type_id" uuid,
	"preferred_regions" text[] DEFAULT '{}'::text[] NOT NULL,
	"lifecycle_class" text DEFAULT 'ephemeral' NOT NULL,
	"target_size" integer DEFAULT 1 NOT NULL,
	"min_size" integer DEFAULT 0 NOT NULL,
	"max_size" integer DEFAULT 10 NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"last_replenished_at" timestamp with time zone,
	"environment_id" uuid,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	"updated_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	CONSTRAINT "instance_pools_sizes" CHECK ("instance_pools"."max_size" >= "instance_pools"."target_size" and "instance_pools"."target_size" >= "instance_pools"."min_size" and "instance_pools"."min_size" >= 0)
);
--> statement-breakpoint
CREATE TABLE "images" (
	"id" uuid PRIMARY KEY NOT NULL,
	"account_id" uuid NOT NULL,
	"provider_connection_id" uuid NOT NULL,
	"image_code" text NOT NULL,
	"name" text NOT NULL,
	"region_id" uuid,
	"architecture" text NOT NULL,
	"boot_mode" text NOT NULL,
	"node_platform_id" uuid,
	"disk_image_git_sha" text,
	"available" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	"updated_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL
);
--> statement-breakpoint
CREATE TABLE "instance_types" (
	"id" uuid PRIMARY KEY NOT NULL,
	"account_id" uuid NOT NULL,
	"provider_connection_id" uuid NOT NULL,
	"instance_type_code" text NOT NULL,
	"vcpus" integer NOT NULL,
	"memory_mb" integer NOT NULL,
	"storage_gb" integer DEFAULT 0 NOT NULL,
	"gpu_count" integer DEFAULT 0 NOT NULL,
	"gpu_type" text,
	"gpu_memory_mb" integer,
	"architecture" text NOT NULL,
	"specs" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"available" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	"updated_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL
);
--> statement-breakpoint
CREATE TABLE "provider_connections" (
	"id" uuid PRIMARY KEY NOT NULL,
	"account_id" uuid NOT NULL,
	"provider_id" uuid NOT NULL,
	"name" text NOT NULL,
	"endpoint_url" text,
	"tenant" text,
	"credentials_encrypted" text,
	"status" text DEFAULT 'pending' NOT NULL,
	"last_test_at" timestamp with time zone,
	"last_test_message" text,
	"enabled" boolean DEFAULT true NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	"updated_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL
);
--> statement-breakpoint
CREATE TABLE "provider_regions" (
	"id" uuid PRIMARY KEY NOT NULL,
	"account_id" uuid NOT NULL,
	"provider_connection_id" uuid NOT NULL,
	"region_code" text NOT NULL,
	"name" text NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"available" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	"updated_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL
);
--> statement-breakpoint
CREATE TABLE "provider_zones" (
	"id" uuid PRIMARY KEY NOT NULL,
	"account_id" uuid NOT NULL,
	"provider_region_id" uuid NOT NULL,
	"zone_code" text NOT NULL,
	"status" text DEFAULT 'available' NOT NULL,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	"updated_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL
);
--> statement-breakpoint
CREATE TABLE "providers" (
	"id" uuid PRIMARY KEY NOT NULL,
	"account_id" uuid NOT NULL,
	"provider_type" text NOT NULL,
	"name" text NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"capabilities" text[] NOT NULL,
	"config" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	"updated_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL
);
--> statement-breakpoint
CREATE TABLE "region_instance_types" (
	"id" uuid PRIMARY KEY NOT NULL,
	"account_id" uuid NOT NULL,
	"region_id" uuid NOT NULL,
	"instance_type_id" uuid NOT NULL,
	"available" boolean DEFAULT true NOT NULL,
	"hourly_price" numeric,
	"currency" text,
	"synced_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "task_events" (
	"id" uuid PRIMARY KEY NOT NULL,
	"task_id" uuid NOT NULL,
	"seq" bigint NOT NULL,
	"type" text NOT NULL,
	"message" text DEFAULT '' NOT NULL,
	"data" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tasks" (
	"id" uuid PRIMARY KEY NOT NULL,
	"account_id" uuid NOT NULL,
	"subject_type" text NOT NULL,
	"subject_id" uuid NOT NULL,
	"command" text NOT NULL,
	"payload" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"executor" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"progress" integer DEFAULT 0 NOT NULL,
	"priority" integer DEFAULT 0 NOT NULL,
	"exclusive" boolean DEFAULT false NOT NULL,
	"idempotency_key" text,
	"payload_sha256" text NOT NULL,
	"attempt" integer DEFAULT 0 NOT NULL,
	"max_attempts" integer DEFAULT 3 NOT NULL,
	"available_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"lease_id" uuid,
	"lease_holder" text,
	"leased_at" timestamp with time zone,
	"lease_expires_at" timestamp with time zone,
	"lease_ttl_seconds" integer DEFAULT 120 NOT NULL,
	"timeout_seconds" integer DEFAULT 3600 NOT NULL,
	"started_at" timestamp with time zone,
	"completed_at" timestamp with time zone,
	"cancel_requested_at" timestamp with time zone,
	"cancel_reason" text,
	"result" jsonb,
	"error_code" text,
	"error_message" text,
	"completion_id" text,
	"initiated_by_type" text NOT NULL,
	"initiated_by_id" text,
	"approval_request_id" uuid,
	"correlation_id" text,
	"retry_of_task_id" uuid,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	"updated_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL
);
--> statement-breakpoint
CREATE TABLE "accounts" (
	"id" uuid PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"slug" text NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"settings" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"event_seq" bigint DEFAULT 0 NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	"updated_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	CONSTRAINT "accounts_name_unique" UNIQUE("name"),
	CONSTRAINT "accounts_slug_unique" UNIQUE("slug")
);
--> statement-breakpoint
CREATE TABLE "api_tokens" (
	"id" uuid PRIMARY KEY NOT NULL,
	"account_id" uuid NOT NULL,
	"user_id" uuid,
	"name" text NOT NULL,
	"token_prefix" text NOT NULL,
	"token_hash" text NOT NULL,
	"scopes" text[] NOT NULL,
	"environment_ids" uuid[] DEFAULT '{}'::uuid[] NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"last_used_at" timestamp with time zone,
	"last_used_ip" text,
	"revoked_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	CONSTRAINT "api_tokens_token_hash_unique" UNIQUE("token_hash")
);
--> statement-breakpoint
CREATE TABLE "environments" (
	"id" uuid PRIMARY KEY NOT NULL,
	"account_id" uuid NOT NULL,
	"name" text NOT NULL,
	"rank" integer NOT NULL,
	"delivery_mode" text NOT NULL,
	"min_promotion_state" text NOT NULL,
	"protected" boolean DEFAULT false NOT NULL,
	"signature_mode" text DEFAULT 'enforce' NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	"updated_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL
);
--> statement-breakpoint
CREATE TABLE "idempotency_records" (
	"id" uuid PRIMARY KEY NOT NULL,
	"account_id" uuid NOT NULL,
	"key" text NOT NULL,
	"operation" text NOT NULL,
	"request_sha256" text NOT NULL,
	"status" integer NOT NULL,
	"response" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" uuid PRIMARY KEY NOT NULL,
	"account_id" uuid NOT NULL,
	"email" text NOT NULL,
	"display_name" text NOT NULL,
	"role" text NOT NULL,
	"password_hash" text,
	"status" text DEFAULT 'active' NOT NULL,
	"last_login_at" timestamp with time zone,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	"updated_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL
);
--> statement-breakpoint
ALTER TABLE "fleet_events" ADD CONSTRAINT "fleet_events_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "node_instances" ADD CONSTRAINT "node_instances_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "node_instances" ADD CONSTRAINT "node_instances_node_id_nodes_id_fk" FOREIGN KEY ("node_id") REFERENCES "public"."nodes"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "node_instances" ADD CONSTRAINT "node_instances_provider_connection_id_provider_connections_id_fk" FOREIGN KEY ("provider_connection_id") REFERENCES "public"."provider_connections"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "node_instances" ADD CONSTRAINT "node_instances_provider_region_id_provider_regions_id_fk" FOREIGN KEY ("provider_region_id") REFERENCES "public"."provider_regions"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "node_instances" ADD CONSTRAINT "node_instances_provider_zone_id_provider_zones_id_fk" FOREIGN KEY ("provider_zone_id") REFERENCES "public"."provider_zones"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "node_instances" ADD CONSTRAINT "node_instances_instance_type_id_instance_types_id_fk" FOREIGN KEY ("instance_type_id") REFERENCES "public"."instance_types"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "node_instances" ADD CONSTRAINT "node_instances_image_id_images_id_fk" FOREIGN KEY ("image_id") REFERENCES "public"."images"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "node_instances" ADD CONSTRAINT "node_instances_environment_id_environments_id_fk" FOREIGN KEY ("environment_id") REFERENCES "public"."environments"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "node_platforms" ADD CONSTRAINT "node_platforms_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "node_templates" ADD CONSTRAINT "node_templates_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "node_templates" ADD CONSTRAINT "node_templates_node_platform_id_node_platforms_id_fk" FOREIGN KEY ("node_platform_id") REFERENCES "public"."node_platforms"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "node_templates" ADD CONSTRAINT "node_templates_environment_id_environments_id_fk" FOREIGN KEY ("environment_id") REFERENCES "public"."environments"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "nodes" ADD CONSTRAINT "nodes_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "nodes" ADD CONSTRAINT "nodes_node_template_id_node_templates_id_fk" FOREIGN KEY ("node_template_id") REFERENCES "public"."node_templates"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "nodes" ADD CONSTRAINT "nodes_environment_id_environments_id_fk" FOREIGN KEY ("environment_id") REFERENCES "public"."environments"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bootstrap_tokens" ADD CONSTRAINT "bootstrap_tokens_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bootstrap_tokens" ADD CONSTRAINT "bootstrap_tokens_node_id_nodes_id_fk" FOREIGN KEY ("node_id") REFERENCES "public"."nodes"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bootstrap_tokens" ADD CONSTRAINT "bootstrap_tokens_node_instance_id_node_instances_id_fk" FOREIGN KEY ("node_instance_id") REFERENCES "public"."node_instances"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "certificate_authorities" ADD CONSTRAINT "certificate_authorities_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "node_certificates" ADD CONSTRAINT "node_certificates_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "node_certificates" ADD CONSTRAINT "node_certificates_node_instance_id_node_instances_id_fk" FOREIGN KEY ("node_instance_id") REFERENCES "public"."node_instances"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "unclaimed_devices" ADD CONSTRAINT "unclaimed_devices_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "module_artifacts" ADD CONSTRAINT "module_artifacts_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "module_artifacts" ADD CONSTRAINT "module_artifacts_module_version_id_module_versions_id_fk" FOREIGN KEY ("module_version_id") REFERENCES "public"."module_versions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "module_dependencies" ADD CONSTRAINT "module_dependencies_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "module_dependencies" ADD CONSTRAINT "module_dependencies_node_module_id_node_modules_id_fk" FOREIGN KEY ("node_module_id") REFERENCES "public"."node_modules"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "module_dependencies" ADD CONSTRAINT "module_dependencies_dependency_id_node_modules_id_fk" FOREIGN KEY ("dependency_id") REFERENCES "public"."node_modules"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "module_environment_pins" ADD CONSTRAINT "module_environment_pins_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "module_environment_pins" ADD CONSTRAINT "module_environment_pins_environment_id_environments_id_fk" FOREIGN KEY ("environment_id") REFERENCES "public"."environments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "module_environment_pins" ADD CONSTRAINT "module_environment_pins_node_module_id_node_modules_id_fk" FOREIGN KEY ("node_module_id") REFERENCES "public"."node_modules"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "module_environment_pins" ADD CONSTRAINT "module_environment_pins_module_version_id_module_versions_id_fk" FOREIGN KEY ("module_version_id") REFERENCES "public"."module_versions"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "module_versions" ADD CONSTRAINT "module_versions_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "module_versions" ADD CONSTRAINT "module_versions_node_module_id_node_modules_id_fk" FOREIGN KEY ("node_module_id") REFERENCES "public"."node_modules"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "module_versions" ADD CONSTRAINT "module_versions_created_by_id_users_id_fk" FOREIGN KEY ("created_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "node_module_assignments" ADD CONSTRAINT "node_module_assignments_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "node_module_assignments" ADD CONSTRAINT "node_module_assignments_node_id_nodes_id_fk" FOREIGN KEY ("node_id") REFERENCES "public"."nodes"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "node_module_assignments" ADD CONSTRAINT "node_module_assignments_node_module_id_node_modules_id_fk" FOREIGN KEY ("node_module_id") REFERENCES "public"."node_modules"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "node_module_assignments" ADD CONSTRAINT "node_module_assignments_source_template_module_id_template_modules_id_fk" FOREIGN KEY ("source_template_module_id") REFERENCES "public"."template_modules"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "node_module_categories" ADD CONSTRAINT "node_module_categories_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "node_modules" ADD CONSTRAINT "node_modules_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "node_modules" ADD CONSTRAINT "node_modules_category_id_node_module_categories_id_fk" FOREIGN KEY ("category_id") REFERENCES "public"."node_module_categories"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "node_modules" ADD CONSTRAINT "node_modules_node_platform_id_node_platforms_id_fk" FOREIGN KEY ("node_platform_id") REFERENCES "public"."node_platforms"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "template_modules" ADD CONSTRAINT "template_modules_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "template_modules" ADD CONSTRAINT "template_modules_node_template_id_node_templates_id_fk" FOREIGN KEY ("node_template_id") REFERENCES "public"."node_templates"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "template_modules" ADD CONSTRAINT "template_modules_node_module_id_node_modules_id_fk" FOREIGN KEY ("node_module_id") REFERENCES "public"."node_modules"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "instance_pool_members" ADD CONSTRAINT "instance_pool_members_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "instance_pool_members" ADD CONSTRAINT "instance_pool_members_instance_pool_id_instance_pools_id_fk" FOREIGN KEY ("instance_pool_id") REFERENCES "public"."instance_pools"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "instance_pool_members" ADD CONSTRAINT "instance_pool_members_node_instance_id_node_instances_id_fk" FOREIGN KEY ("node_instance_id") REFERENCES "public"."node_instances"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "instance_pools" ADD CONSTRAINT "instance_pools_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "instance_pools" ADD CONSTRAINT "instance_pools_node_template_id_node_templates_id_fk" FOREIGN KEY ("node_template_id") REFERENCES "public"."node_templates"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "instance_pools" ADD CONSTRAINT "instance_pools_provider_region_id_provider_regions_id_fk" FOREIGN KEY ("provider_region_id") REFERENCES "public"."provider_regions"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "instance_pools" ADD CONSTRAINT "instance_pools_instance_type_id_instance_types_id_fk" FOREIGN KEY ("instance_type_id") REFERENCES "public"."instance_types"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "instance_pools" ADD CONSTRAINT "instance_pools_environment_id_environments_id_fk" FOREIGN KEY ("environment_id") REFERENCES "public"."environments"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "images" ADD CONSTRAINT "images_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "images" ADD CONSTRAINT "images_provider_connection_id_provider_connections_id_fk" FOREIGN KEY ("provider_connection_id") REFERENCES "public"."provider_connections"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "images" ADD CONSTRAINT "images_region_id_provider_regions_id_fk" FOREIGN KEY ("region_id") REFERENCES "public"."provider_regions"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "instance_types" ADD CONSTRAINT "instance_types_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "instance_types" ADD CONSTRAINT "instance_types_provider_connection_id_provider_connections_id_fk" FOREIGN KEY ("provider_connection_id") REFERENCES "public"."provider_connections"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "provider_connections" ADD CONSTRAINT "provider_connections_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "provider_connections" ADD CONSTRAINT "provider_connections_provider_id_providers_id_fk" FOREIGN KEY ("provider_id") REFERENCES "public"."providers"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "provider_regions" ADD CONSTRAINT "provider_regions_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "provider_regions" ADD CONSTRAINT "provider_regions_provider_connection_id_provider_connections_id_fk" FOREIGN KEY ("provider_connection_id") REFERENCES "public"."provider_connections"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "provider_zones" ADD CONSTRAINT "provider_zones_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "provider_zones" ADD CONSTRAINT "provider_zones_provider_region_id_provider_regions_id_fk" FOREIGN KEY ("provider_region_id") REFERENCES "public"."provider_regions"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "providers" ADD CONSTRAINT "providers_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "region_instance_types" ADD CONSTRAINT "region_instance_types_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "region_instance_types" ADD CONSTRAINT "region_instance_types_region_id_provider_regions_id_fk" FOREIGN KEY ("region_id") REFERENCES "public"."provider_regions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "region_instance_types" ADD CONSTRAINT "region_instance_types_instance_type_id_instance_types_id_fk" FOREIGN KEY ("instance_type_id") REFERENCES "public"."instance_types"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "task_events" ADD CONSTRAINT "task_events_task_id_tasks_id_fk" FOREIGN KEY ("task_id") REFERENCES "public"."tasks"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "api_tokens" ADD CONSTRAINT "api_tokens_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "api_tokens" ADD CONSTRAINT "api_tokens_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "environments" ADD CONSTRAINT "environments_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "idempotency_records" ADD CONSTRAINT "idempotency_records_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "fleet_events_account_seq" ON "fleet_events" USING btree ("account_id","seq");--> statement-breakpoint
CREATE INDEX "fleet_events_account_created" ON "fleet_events" USING btree ("account_id","created_at","id");--> statement-breakpoint
CREATE INDEX "fleet_events_subject" ON "fleet_events" USING btree ("account_id","subject_type","subject_id");--> statement-breakpoint
CREATE INDEX "fleet_events_correlation" ON "fleet_events" USING btree ("account_id","correlation_id");--> statement-breakpoint
CREATE INDEX "fleet_events_kind" ON "fleet_events" USING btree ("account_id","kind");--> statement-breakpoint
CREATE UNIQUE INDEX "node_instances_node_name" ON "node_instances" USING btree ("node_id","name");--> statement-breakpoint
CREATE UNIQUE INDEX "node_instances_cloud_id" ON "node_instances" USING btree ("provider_connection_id","cloud_instance_id");--> statement-breakpoint
CREATE INDEX "node_instances_account_created" ON "node_instances" USING btree ("account_id","created_at","id");--> statement-breakpoint
CREATE INDEX "node_instances_account_status" ON "node_instances" USING btree ("account_id","status");--> statement-breakpoint
CREATE UNIQUE INDEX "node_platforms_account_name" ON "node_platforms" USING btree ("account_id","name");--> statement-breakpoint
CREATE UNIQUE INDEX "node_templates_account_name" ON "node_templates" USING btree ("account_id","name");--> statement-breakpoint
CREATE UNIQUE INDEX "nodes_account_name" ON "nodes" USING btree ("account_id","name");--> statement-breakpoint
CREATE UNIQUE INDEX "node_certificates_one_active" ON "node_certificates" USING btree ("node_instance_id") WHERE status = 'active';--> statement-breakpoint
CREATE UNIQUE INDEX "module_artifacts_version_arch" ON "module_artifacts" USING btree ("module_version_id","architecture");--> statement-breakpoint
CREATE UNIQUE INDEX "module_dependencies_pair" ON "module_dependencies" USING btree ("node_module_id","dependency_id");--> statement-breakpoint
CREATE UNIQUE INDEX "module_environment_pins_pair" ON "module_environment_pins" USING btree ("environment_id","node_module_id");--> statement-breakpoint
CREATE UNIQUE INDEX "module_versions_number" ON "module_versions" USING btree ("node_module_id","version_number");--> statement-breakpoint
CREATE UNIQUE INDEX "node_module_assignments_pair" ON "node_module_assignments" USING btree ("node_id","node_module_id");--> statement-breakpoint
CREATE UNIQUE INDEX "node_module_categories_slug" ON "node_module_categories" USING btree ("account_id","slug");--> statement-breakpoint
CREATE UNIQUE INDEX "node_modules_account_name" ON "node_modules" USING btree ("account_id",lower("name"));--> statement-breakpoint
CREATE UNIQUE INDEX "node_modules_source_repo" ON "node_modules" USING btree ("account_id","source_repo");--> statement-breakpoint
CREATE UNIQUE INDEX "template_modules_pair" ON "template_modules" USING btree ("node_template_id","node_module_id");--> statement-breakpoint
CREATE UNIQUE INDEX "instance_pools_account_name" ON "instance_pools" USING btree ("account_id","name");--> statement-breakpoint
CREATE UNIQUE INDEX "images_code" ON "images" USING btree ("provider_connection_id","image_code");--> statement-breakpoint
CREATE UNIQUE INDEX "instance_types_code" ON "instance_types" USING btree ("provider_connection_id","instance_type_code");--> statement-breakpoint
CREATE UNIQUE INDEX "provider_connections_account_name" ON "provider_connections" USING btree ("account_id","name");--> statement-breakpoint
CREATE UNIQUE INDEX "provider_regions_code" ON "provider_regions" USING btree ("provider_connection_id","region_code");--> statement-breakpoint
CREATE UNIQUE INDEX "provider_zones_code" ON "provider_zones" USING btree ("provider_region_id","zone_code");--> statement-breakpoint
CREATE UNIQUE INDEX "providers_account_name" ON "providers" USING btree ("account_id","name");--> statement-breakpoint
CREATE UNIQUE INDEX "region_instance_types_pair" ON "region_instance_types" USING btree ("region_id","instance_type_id");--> statement-breakpoint
CREATE UNIQUE INDEX "task_events_seq" ON "task_events" USING btree ("task_id","seq");--> statement-breakpoint
CREATE UNIQUE INDEX "tasks_idempotency" ON "tasks" USING btree ("account_id","idempotency_key");--> statement-breakpoint
CREATE INDEX "tasks_lease_queue" ON "tasks" USING btree ("executor","priority" DESC NULLS LAST,"available_at","created_at") WHERE status = 'pending';--> statement-breakpoint
CREATE INDEX "tasks_subject" ON "tasks" USING btree ("subject_type","subject_id","status");--> statement-breakpoint
CREATE INDEX "tasks_account_created" ON "tasks" USING btree ("account_id","created_at","id");--> statement-breakpoint
CREATE INDEX "tasks_lease_expiry" ON "tasks" USING btree ("lease_expires_at") WHERE status in ('leased','running');--> statement-breakpoint
CREATE UNIQUE INDEX "api_tokens_account_name" ON "api_tokens" USING btree ("account_id","name");--> statement-breakpoint
CREATE UNIQUE INDEX "environments_account_name" ON "environments" USING btree ("account_id","name");--> statement-breakpoint
CREATE UNIQUE INDEX "idempotency_records_key" ON "idempotency_records" USING btree ("account_id","operation","key");--> statement-breakpoint
CREATE UNIQUE INDEX "users_account_email" ON "users" USING btree ("account_id","email");