CREATE TABLE "fleet_drift_items" (
	"account_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"fingerprint" text NOT NULL,
	"episode" integer NOT NULL,
	"status" text,
	"snoozed_until" timestamp with time zone,
	"reason" text,
	"decided_by" text,
	"decided_at" timestamp with time zone,
	"assignee_user_id" uuid,
	"assigned_by" text,
	"assigned_at" timestamp with time zone,
	"approval_request_id" uuid,
	"task_ids" uuid[] DEFAULT '{}'::uuid[] NOT NULL,
	"remediated_at" timestamp with time zone,
	"remediation_count" integer DEFAULT 0 NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	"updated_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	CONSTRAINT "fleet_drift_items_account_id_kind_fingerprint_episode_pk" PRIMARY KEY("account_id","kind","fingerprint","episode"),
	CONSTRAINT "fleet_drift_items_status" CHECK ("fleet_drift_items"."status" IS NULL OR "fleet_drift_items"."status" IN ('snoozed', 'resolved', 'remediating')),
	CONSTRAINT "fleet_drift_items_snooze" CHECK ("fleet_drift_items"."status" IS DISTINCT FROM 'snoozed' OR "fleet_drift_items"."snoozed_until" IS NOT NULL),
	CONSTRAINT "fleet_drift_items_reason" CHECK ("fleet_drift_items"."status" IS NULL OR "fleet_drift_items"."status" = 'remediating' OR length(trim(coalesce("fleet_drift_items"."reason", ''))) > 0),
	CONSTRAINT "fleet_drift_items_remediated" CHECK ("fleet_drift_items"."status" IS DISTINCT FROM 'remediating' OR "fleet_drift_items"."remediated_at" IS NOT NULL)
);
--> statement-breakpoint
ALTER TABLE "fleet_drift_items" ADD CONSTRAINT "fleet_drift_items_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "fleet_drift_items" ADD CONSTRAINT "fleet_drift_items_assignee_user_id_users_id_fk" FOREIGN KEY ("assignee_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "fleet_drift_items" ADD CONSTRAINT "fleet_drift_items_approval_request_id_approval_requests_id_fk" FOREIGN KEY ("approval_request_id") REFERENCES "public"."approval_requests"("id") ON DELETE set null ON UPDATE no action;