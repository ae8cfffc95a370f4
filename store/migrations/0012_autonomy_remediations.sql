CREATE TABLE "fleet_remediations" (
	"id" uuid PRIMARY KEY NOT NULL,
	"account_id" uuid NOT NULL,
	"decision_id" uuid,
	"approval_request_id" uuid,
	"action_category" text NOT NULL,
	"applier" text NOT NULL,
	"signal_kind" text,
	"fingerprint" text,
	"episode" integer,
	"target_type" text NOT NULL,
	"target_id" text NOT NULL,
	"idempotency_key" text NOT NULL,
	"payload_hash" text NOT NULL,
	"status" text DEFAULT 'applying' NOT NULL,
	"refusal_reason" text,
	"result" jsonb,
	"task_ids" uuid[] DEFAULT '{}'::uuid[] NOT NULL,
	"situation_text" text,
	"acted_at" timestamp with time zone,
	"settle_until" timestamp with time zone,
	"outcome" text DEFAULT 'pending' NOT NULL,
	"unvalidated_ticks" integer DEFAULT 0 NOT NULL,
	"validated_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	"updated_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	CONSTRAINT "fleet_remediations_status" CHECK ("fleet_remediations"."status" IN ('applying', 'applied', 'refused', 'failed')),
	CONSTRAINT "fleet_remediations_outcome" CHECK ("fleet_remediations"."outcome" IN ('pending', 'effective', 'ineffective', 'failed', 'inconclusive', 'not_scored'))
);
--> statement-breakpoint
ALTER TABLE "approval_requests" ADD COLUMN "graph_thread_id" text;--> statement-breakpoint
ALTER TABLE "fleet_remediations" ADD CONSTRAINT "fleet_remediations_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "fleet_remediations" ADD CONSTRAINT "fleet_remediations_decision_id_fleet_decisions_id_fk" FOREIGN KEY ("decision_id") REFERENCES "public"."fleet_decisions"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "fleet_remediations" ADD CONSTRAINT "fleet_remediations_approval_request_id_approval_requests_id_fk" FOREIGN KEY ("approval_request_id") REFERENCES "public"."approval_requests"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "fleet_remediations_idempotency" ON "fleet_remediations" USING btree ("account_id","idempotency_key");--> statement-breakpoint
CREATE INDEX "fleet_remediations_due" ON "fleet_remediations" USING btree ("account_id","settle_until") WHERE "fleet_remediations"."outcome" = 'pending';--> statement-breakpoint
CREATE INDEX "fleet_remediations_fingerprint" ON "fleet_remediations" USING btree ("account_id","fingerprint","acted_at");--> statement-breakpoint
-- custom SQL below (re-append when regenerating)
-- The autonomy gate's LangGraph checkpoints (@langchain/langgraph-checkpoint-postgres, schema
-- "langgraph"): created here, with the library's own migration versions 0–4 recorded, so that its
-- setup() at process start finds nothing to do and concurrent starts never race on DDL.
CREATE SCHEMA IF NOT EXISTS "langgraph";--> statement-breakpoint
CREATE TABLE IF NOT EXISTS "langgraph".checkpoint_migrations (v INTEGER PRIMARY KEY);--> statement-breakpoint
CREATE TABLE IF NOT EXISTS "langgraph".checkpoints (
	thread_id TEXT NOT NULL,
	checkpoint_ns TEXT NOT NULL DEFAULT '',
	checkpoint_id TEXT NOT NULL,
	parent_checkpoint_id TEXT,
	type TEXT,
	checkpoint JSONB NOT NULL,
	metadata JSONB NOT NULL DEFAULT '{}',
	PRIMARY KEY (thread_id, checkpoint_ns, checkpoint_id)
);--> statement-breakpoint
CREATE TABLE IF NOT EXISTS "langgraph".checkpoint_blobs (
	thread_id TEXT NOT NULL,
	checkpoint_ns TEXT NOT NULL DEFAULT '',
	channel TEXT NOT NULL,
	version TEXT NOT NULL,
	type TEXT NOT NULL,
	blob BYTEA,
	PRIMARY KEY (thread_id, checkpoint_ns, channel, version)
);--> statement-breakpoint
CREATE TABLE IF NOT EXISTS "langgraph".checkpoint_writes (
	thread_id TEXT NOT NULL,
	checkpoint_ns TEXT NOT NULL DEFAULT '',
	checkpoint_id TEXT NOT NULL,
	task_id TEXT NOT NULL,
	idx INTEGER NOT NULL,
	channel TEXT NOT NULL,
	type TEXT,
	blob BYTEA NOT NULL,
	PRIMARY KEY (thread_id, checkpoint_ns, checkpoint_id, task_id, idx)
);--> statement-breakpoint
INSERT INTO "langgraph".checkpoint_migrations (v) VALUES (0), (1), (2), (3), (4) ON CONFLICT DO NOTHING;
