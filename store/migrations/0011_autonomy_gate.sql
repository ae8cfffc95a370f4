CREATE TABLE "approval_chains" (
	"id" uuid PRIMARY KEY NOT NULL,
	"account_id" uuid NOT NULL,
	"name" text NOT NULL,
	"trigger_type" text DEFAULT 'autonomy_action' NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"is_sequential" boolean DEFAULT true NOT NULL,
	"timeout_hours" integer DEFAULT 4 NOT NULL,
	"timeout_action" text DEFAULT 'reject' NOT NULL,
	"steps" jsonb NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	"updated_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	CONSTRAINT "approval_chains_status" CHECK ("approval_chains"."status" IN ('active', 'inactive')),
	CONSTRAINT "approval_chains_timeout" CHECK ("approval_chains"."timeout_hours" >= 1)
);
--> statement-breakpoint
CREATE TABLE "approval_decisions" (
	"id" uuid PRIMARY KEY NOT NULL,
	"account_id" uuid NOT NULL,
	"approval_request_id" uuid NOT NULL,
	"step_index" integer NOT NULL,
	"user_id" uuid,
	"verdict" text NOT NULL,
	"comment" text,
	"payload_hash_seen" text NOT NULL,
	"decided_at" timestamp with time zone NOT NULL,
	"voided_at" timestamp with time zone,
	CONSTRAINT "approval_decisions_verdict" CHECK ("approval_decisions"."verdict" IN ('approve', 'reject'))
);
--> statement-breakpoint
CREATE TABLE "approval_requests" (
	"id" uuid PRIMARY KEY NOT NULL,
	"account_id" uuid NOT NULL,
	"chain_id" uuid,
	"chain_snapshot" jsonb NOT NULL,
	"source" text NOT NULL,
	"action_category" text NOT NULL,
	"dedup_key" text NOT NULL,
	"fingerprint" text,
	"signal_kind" text,
	"severity" text NOT NULL,
	"description" text NOT NULL,
	"action_payload" jsonb NOT NULL,
	"payload_hash" text NOT NULL,
	"plan" jsonb,
	"reasoning" text,
	"learning_evidence" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"matched_policy_id" uuid,
	"status" text DEFAULT 'pending' NOT NULL,
	"current_step" integer DEFAULT 0 NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"requested_by_agent_id" uuid,
	"requested_by_user_id" uuid,
	"decided_at" timestamp with time zone,
	"rejection_reason" text,
	"execution_status" text,
	"execution_result" jsonb,
	"executed_at" timestamp with time zone,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	"updated_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	CONSTRAINT "approval_requests_status" CHECK ("approval_requests"."status" IN ('pending', 'approved', 'rejected', 'expired', 'cancelled')),
	CONSTRAINT "approval_requests_execution_status" CHECK ("approval_requests"."execution_status" IS NULL OR "approval_requests"."execution_status" IN ('executing', 'applied', 'refused', 'failed', 'stale', 'obsolete')),
	CONSTRAINT "approval_requests_description" CHECK (char_length("approval_requests"."description") <= 500)
);
--> statement-breakpoint
CREATE TABLE "autonomy_agents" (
	"id" uuid PRIMARY KEY NOT NULL,
	"account_id" uuid NOT NULL,
	"name" text NOT NULL,
	"agent_type" text NOT NULL,
	"trust_tier" text NOT NULL,
	"is_active" boolean DEFAULT true NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	"updated_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	CONSTRAINT "autonomy_agents_type" CHECK ("autonomy_agents"."agent_type" IN ('monitor')),
	CONSTRAINT "autonomy_agents_trust_tier" CHECK ("autonomy_agents"."trust_tier" IN ('supervised', 'monitored', 'trusted', 'autonomous'))
);
--> statement-breakpoint
CREATE TABLE "fleet_decisions" (
	"id" uuid PRIMARY KEY NOT NULL,
	"account_id" uuid NOT NULL,
	"tick_id" uuid,
	"signal_kind" text,
	"fingerprint" text,
	"severity" text,
	"action_category" text,
	"agent_id" uuid,
	"decision" text NOT NULL,
	"gate" text,
	"base_policy" text,
	"matched_policy_id" uuid,
	"reasons" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"disruption_pct" integer,
	"plan" jsonb,
	"action_payload_hash" text,
	"budget" jsonb,
	"learning_influence" jsonb,
	"approval_request_id" uuid,
	"remediation_id" uuid,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	CONSTRAINT "fleet_decisions_decision" CHECK ("fleet_decisions"."decision" IN ('proceed', 'pending', 'blocked', 'deduped', 'skipped', 'suppressed', 'deferred'))
);
--> statement-breakpoint
CREATE TABLE "intervention_policies" (
	"id" uuid PRIMARY KEY NOT NULL,
	"account_id" uuid NOT NULL,
	"scope" text NOT NULL,
	"action_category" text NOT NULL,
	"actor_type" text NOT NULL,
	"agent_id" uuid,
	"user_id" uuid,
	"policy" text NOT NULL,
	"priority" integer DEFAULT 0 NOT NULL,
	"conditions" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"approval_chain_id" uuid,
	"preferred_channels" text[] DEFAULT '{}'::text[] NOT NULL,
	"is_active" boolean DEFAULT true NOT NULL,
	"created_by" text NOT NULL,
	"source_proposal_id" uuid,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	"updated_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	CONSTRAINT "intervention_policies_scope" CHECK ("intervention_policies"."scope" IN ('global', 'agent')),
	CONSTRAINT "intervention_policies_actor_type" CHECK ("intervention_policies"."actor_type" IN ('agent', 'user')),
	CONSTRAINT "intervention_policies_priority" CHECK ("intervention_policies"."priority" BETWEEN -1000 AND 1000)
);
--> statement-breakpoint
ALTER TABLE "node_modules" ADD COLUMN "consent_budget_used_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "node_modules" ADD COLUMN "consent_budget_window_start_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "approval_chains" ADD CONSTRAINT "approval_chains_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "approval_decisions" ADD CONSTRAINT "approval_decisions_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "approval_decisions" ADD CONSTRAINT "approval_decisions_approval_request_id_approval_requests_id_fk" FOREIGN KEY ("approval_request_id") REFERENCES "public"."approval_requests"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "approval_decisions" ADD CONSTRAINT "approval_decisions_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "approval_requests" ADD CONSTRAINT "approval_requests_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "approval_requests" ADD CONSTRAINT "approval_requests_chain_id_approval_chains_id_fk" FOREIGN KEY ("chain_id") REFERENCES "public"."approval_chains"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "approval_requests" ADD CONSTRAINT "approval_requests_requested_by_agent_id_autonomy_agents_id_fk" FOREIGN KEY ("requested_by_agent_id") REFERENCES "public"."autonomy_agents"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "approval_requests" ADD CONSTRAINT "approval_requests_requested_by_user_id_users_id_fk" FOREIGN KEY ("requested_by_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "autonomy_agents" ADD CONSTRAINT "autonomy_agents_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "fleet_decisions" ADD CONSTRAINT "fleet_decisions_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "fleet_decisions" ADD CONSTRAINT "fleet_decisions_agent_id_autonomy_agents_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."autonomy_agents"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "fleet_decisions" ADD CONSTRAINT "fleet_decisions_approval_request_id_approval_requests_id_fk" FOREIGN KEY ("approval_request_id") REFERENCES "public"."approval_requests"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "intervention_policies" ADD CONSTRAINT "intervention_policies_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "intervention_policies" ADD CONSTRAINT "intervention_policies_agent_id_autonomy_agents_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."autonomy_agents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "intervention_policies" ADD CONSTRAINT "intervention_policies_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "intervention_policies" ADD CONSTRAINT "intervention_policies_approval_chain_id_approval_chains_id_fk" FOREIGN KEY ("approval_chain_id") REFERENCES "public"."approval_chains"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "approval_chains_account_name" ON "approval_chains" USING btree ("account_id","name");--> statement-breakpoint
CREATE INDEX "approval_decisions_request" ON "approval_decisions" USING btree ("approval_request_id","step_index");--> statement-breakpoint
CREATE UNIQUE INDEX "approval_requests_pending_dedup" ON "approval_requests" USING btree ("account_id","dedup_key") WHERE "approval_requests"."status" = 'pending';--> statement-breakpoint
CREATE INDEX "approval_requests_account_status" ON "approval_requests" USING btree ("account_id","status","expires_at");--> statement-breakpoint
CREATE INDEX "approval_requests_account_created" ON "approval_requests" USING btree ("account_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "autonomy_agents_account_name" ON "autonomy_agents" USING btree ("account_id","name");--> statement-breakpoint
CREATE INDEX "fleet_decisions_account_created" ON "fleet_decisions" USING btree ("account_id","created_at");--> statement-breakpoint
CREATE INDEX "fleet_decisions_account_fingerprint" ON "fleet_decisions" USING btree ("account_id","fingerprint");--> statement-breakpoint
CREATE UNIQUE INDEX "intervention_policies_active_key" ON "intervention_policies" USING btree ("account_id","scope","action_category","actor_type",coalesce("agent_id", '00000000-0000-0000-0000-000000000000'::uuid),coalesce("user_id", '00000000-0000-0000-0000-000000000000'::uuid),"priority") WHERE "intervention_policies"."is_active";--> statement-breakpoint
CREATE INDEX "intervention_policies_account_category" ON "intervention_policies" USING btree ("account_id","action_category");