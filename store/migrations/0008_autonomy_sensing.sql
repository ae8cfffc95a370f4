CREATE TABLE "module_promotion_criteria" (
	"node_module_id" uuid PRIMARY KEY NOT NULL,
	"account_id" uuid NOT NULL,
	"required_count" integer,
	"dwell_seconds" integer,
	"updated_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	CONSTRAINT "module_promotion_criteria_floors" CHECK ("module_promotion_criteria"."required_count" >= 1 AND "module_promotion_criteria"."dwell_seconds" >= 300)
);
--> statement-breakpoint
CREATE TABLE "module_slo_samples" (
	"id" uuid PRIMARY KEY NOT NULL,
	"account_id" uuid NOT NULL,
	"node_module_id" uuid NOT NULL,
	"metric" text NOT NULL,
	"value" double precision NOT NULL,
	"node_instance_id" uuid,
	"observed_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "module_slos" (
	"id" uuid PRIMARY KEY NOT NULL,
	"account_id" uuid NOT NULL,
	"node_module_id" uuid NOT NULL,
	"name" text NOT NULL,
	"window_seconds" integer NOT NULL,
	"targets" jsonb NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	"updated_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	CONSTRAINT "module_slos_window" CHECK ("module_slos"."window_seconds" > 0)
);
--> statement-breakpoint
CREATE TABLE "pressure_signals" (
	"id" uuid PRIMARY KEY NOT NULL,
	"account_id" uuid NOT NULL,
	"direction" text NOT NULL,
	"source_id" uuid,
	"signal_type" text NOT NULL,
	"key" text NOT NULL,
	"strength" double precision NOT NULL,
	"decay_rate" double precision DEFAULT 0.05 NOT NULL,
	"emitted_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"scope" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"payload" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	CONSTRAINT "pressure_signals_strength" CHECK ("pressure_signals"."strength" > 0 AND "pressure_signals"."strength" <= 5),
	CONSTRAINT "pressure_signals_decay" CHECK ("pressure_signals"."decay_rate" >= 0 AND "pressure_signals"."decay_rate" <= 1)
);
--> statement-breakpoint
CREATE TABLE "pressure_sources" (
	"id" uuid PRIMARY KEY NOT NULL,
	"account_id" uuid NOT NULL,
	"name" text NOT NULL,
	"secret_encrypted" text NOT NULL,
	"allowed_signal_types" text[] DEFAULT '{}'::text[] NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"rate_limit_per_min" integer DEFAULT 60 NOT NULL,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	"updated_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL
);
--> statement-breakpoint
CREATE TABLE "autonomy_settings" (
	"account_id" uuid PRIMARY KEY NOT NULL,
	"tick_interval_seconds" integer DEFAULT 60 NOT NULL,
	"tick_budget_seconds" integer DEFAULT 45 NOT NULL,
	"autonomy_mode" text DEFAULT 'active' NOT NULL,
	"dedup_window_seconds" integer DEFAULT 600 NOT NULL,
	"max_disruption_pct" integer DEFAULT 20 NOT NULL,
	"stuck_streak_threshold" integer DEFAULT 3 NOT NULL,
	"standing_signal_ticks" integer DEFAULT 60 NOT NULL,
	"episode_reset_seconds" integer DEFAULT 1800 NOT NULL,
	"notify_throttle_seconds" integer DEFAULT 3600 NOT NULL,
	"settle_window_seconds" integer DEFAULT 90 NOT NULL,
	"rejection_cooldown_seconds" integer DEFAULT 3600 NOT NULL,
	"fleet_rejection_cooldown_seconds" integer DEFAULT 14400 NOT NULL,
	"presumed_dead_seconds" integer DEFAULT 1800 NOT NULL,
	"learning_similarity_threshold" double precision DEFAULT 0.85 NOT NULL,
	"evolution_threshold" integer DEFAULT 3 NOT NULL,
	"throttle_strength_threshold" double precision DEFAULT 1 NOT NULL,
	"max_defer_seconds" integer DEFAULT 600 NOT NULL,
	"max_cumulative_defer_seconds" integer DEFAULT 3600 NOT NULL,
	"updated_by" text,
	"version" integer DEFAULT 1 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	CONSTRAINT "autonomy_settings_budget" CHECK ("autonomy_settings"."tick_budget_seconds" <= "autonomy_settings"."tick_interval_seconds" - 5)
);
--> statement-breakpoint
CREATE TABLE "fleet_sensor_configs" (
	"account_id" uuid NOT NULL,
	"sensor" text NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"settings" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"updated_by" text,
	"version" integer DEFAULT 1 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	CONSTRAINT "fleet_sensor_configs_account_id_sensor_pk" PRIMARY KEY("account_id","sensor")
);
--> statement-breakpoint
CREATE TABLE "fleet_sensor_cursors" (
	"account_id" uuid NOT NULL,
	"sensor" text NOT NULL,
	"cursor" text,
	"last_status" text,
	"last_run_at" timestamp with time zone,
	"failure_event_at" timestamp with time zone,
	CONSTRAINT "fleet_sensor_cursors_account_id_sensor_pk" PRIMARY KEY("account_id","sensor")
);
--> statement-breakpoint
CREATE TABLE "fleet_signal_states" (
	"account_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"fingerprint" text NOT NULL,
	"sensor" text NOT NULL,
	"episode" integer DEFAULT 1 NOT NULL,
	"first_seen_at" timestamp with time zone NOT NULL,
	"last_seen_at" timestamp with time zone NOT NULL,
	"cleared_at" timestamp with time zone,
	"tick_count" integer DEFAULT 1 NOT NULL,
	"last_severity" text NOT NULL,
	"last_decided_at" timestamp with time zone,
	"last_decided_severity" text,
	"dedup_count" integer DEFAULT 0 NOT NULL,
	"last_heartbeat_event_at" timestamp with time zone,
	"defer_until" timestamp with time zone,
	"cumulative_deferred_seconds" integer DEFAULT 0 NOT NULL,
	"remediations_applied" integer DEFAULT 0 NOT NULL,
	"consecutive_failures" integer DEFAULT 0 NOT NULL,
	"stuck_escalated_at" timestamp with time zone,
	"standing_escalated_at" timestamp with time zone,
	"last_notified_at" timestamp with time zone,
	"last_tick_id" uuid,
	CONSTRAINT "fleet_signal_states_account_id_kind_fingerprint_pk" PRIMARY KEY("account_id","kind","fingerprint")
);
--> statement-breakpoint
CREATE TABLE "fleet_ticks" (
	"id" uuid PRIMARY KEY NOT NULL,
	"account_id" uuid NOT NULL,
	"correlation_id" text NOT NULL,
	"trigger" text NOT NULL,
	"status" text DEFAULT 'running' NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone,
	"phase_ms" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"sensors" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"counts" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"error" text
);
--> statement-breakpoint
ALTER TABLE "fleet_events" ADD COLUMN "fingerprint" text;--> statement-breakpoint
ALTER TABLE "module_promotion_criteria" ADD CONSTRAINT "module_promotion_criteria_node_module_id_node_modules_id_fk" FOREIGN KEY ("node_module_id") REFERENCES "public"."node_modules"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "module_promotion_criteria" ADD CONSTRAINT "module_promotion_criteria_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "module_slo_samples" ADD CONSTRAINT "module_slo_samples_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "module_slo_samples" ADD CONSTRAINT "module_slo_samples_node_module_id_node_modules_id_fk" FOREIGN KEY ("node_module_id") REFERENCES "public"."node_modules"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "module_slo_samples" ADD CONSTRAINT "module_slo_samples_node_instance_id_node_instances_id_fk" FOREIGN KEY ("node_instance_id") REFERENCES "public"."node_instances"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "module_slos" ADD CONSTRAINT "module_slos_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "module_slos" ADD CONSTRAINT "module_slos_node_module_id_node_modules_id_fk" FOREIGN KEY ("node_module_id") REFERENCES "public"."node_modules"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pressure_signals" ADD CONSTRAINT "pressure_signals_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pressure_signals" ADD CONSTRAINT "pressure_signals_source_id_pressure_sources_id_fk" FOREIGN KEY ("source_id") REFERENCES "public"."pressure_sources"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pressure_sources" ADD CONSTRAINT "pressure_sources_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "autonomy_settings" ADD CONSTRAINT "autonomy_settings_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "fleet_sensor_configs" ADD CONSTRAINT "fleet_sensor_configs_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "fleet_sensor_cursors" ADD CONSTRAINT "fleet_sensor_cursors_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "fleet_signal_states" ADD CONSTRAINT "fleet_signal_states_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "fleet_ticks" ADD CONSTRAINT "fleet_ticks_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "module_slo_samples_metric" ON "module_slo_samples" USING btree ("node_module_id","metric","observed_at");--> statement-breakpoint
CREATE UNIQUE INDEX "module_slos_module_name" ON "module_slos" USING btree ("node_module_id","name");--> statement-breakpoint
CREATE INDEX "module_slos_account" ON "module_slos" USING btree ("account_id");--> statement-breakpoint
CREATE UNIQUE INDEX "pressure_signals_latest" ON "pressure_signals" USING btree ("account_id","direction",coalesce("source_id", '00000000-0000-0000-0000-000000000000'::uuid),"signal_type","key");--> statement-breakpoint
CREATE INDEX "pressure_signals_active" ON "pressure_signals" USING btree ("account_id","direction","expires_at");--> statement-breakpoint
CREATE UNIQUE INDEX "pressure_sources_account_name" ON "pressure_sources" USING btree ("account_id","name");--> statement-breakpoint
CREATE INDEX "fleet_signal_states_open" ON "fleet_signal_states" USING btree ("account_id","sensor") WHERE cleared_at IS NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "fleet_ticks_correlation" ON "fleet_ticks" USING btree ("correlation_id");--> statement-breakpoint
CREATE INDEX "fleet_ticks_account_started" ON "fleet_ticks" USING btree ("account_id","started_at");--> statement-breakpoint
CREATE INDEX "fleet_events_fingerprint" ON "fleet_events" USING btree ("account_id","fingerprint","emitted_at");