CREATE TABLE "compliance_chain_anchors" (
	"id" uuid PRIMARY KEY NOT NULL,
	"account_id" uuid NOT NULL,
	"sequence" integer NOT NULL,
	"prev_hash" text NOT NULL,
	"pruned_count" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	CONSTRAINT "compliance_chain_anchors_hash" CHECK ("compliance_chain_anchors"."prev_hash" ~ '^[0-9a-f]{64}$'),
	CONSTRAINT "compliance_chain_anchors_sequence_positive" CHECK ("compliance_chain_anchors"."sequence" >= 2 AND "compliance_chain_anchors"."pruned_count" >= 1)
);
--> statement-breakpoint
CREATE TABLE "compliance_snapshots" (
	"id" uuid PRIMARY KEY NOT NULL,
	"account_id" uuid NOT NULL,
	"sequence" integer NOT NULL,
	"kind" text NOT NULL,
	"generated_at" timestamp with time zone NOT NULL,
	"generated_by" text NOT NULL,
	"document" "bytea" NOT NULL,
	"document_hash" text NOT NULL,
	"prev_hash" text NOT NULL,
	"signature" text,
	"signature_key_id" text,
	"counts" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	CONSTRAINT "compliance_snapshots_kind" CHECK ("compliance_snapshots"."kind" IN ('daily', 'on_demand')),
	CONSTRAINT "compliance_snapshots_sequence_positive" CHECK ("compliance_snapshots"."sequence" >= 1),
	CONSTRAINT "compliance_snapshots_hashes" CHECK ("compliance_snapshots"."document_hash" ~ '^[0-9a-f]{64}$' AND "compliance_snapshots"."prev_hash" ~ '^[0-9a-f]{64}$'),
	CONSTRAINT "compliance_snapshots_signature" CHECK (("compliance_snapshots"."signature" IS NULL) = ("compliance_snapshots"."signature_key_id" IS NULL))
);
--> statement-breakpoint
ALTER TABLE "compliance_chain_anchors" ADD CONSTRAINT "compliance_chain_anchors_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "compliance_snapshots" ADD CONSTRAINT "compliance_snapshots_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "compliance_chain_anchors_sequence" ON "compliance_chain_anchors" USING btree ("account_id","sequence");--> statement-breakpoint
CREATE UNIQUE INDEX "compliance_snapshots_sequence" ON "compliance_snapshots" USING btree ("account_id","sequence");--> statement-breakpoint
CREATE INDEX "compliance_snapshots_generated" ON "compliance_snapshots" USING btree ("account_id","generated_at");--> statement-breakpoint
-- custom SQL below (re-append when regenerating)
-- The compliance archive is append-only (spec/autonomy.md §7.2). UPDATE and TRUNCATE are refused.
-- A snapshot may be deleted only by retention — a transaction that ran
-- `SET LOCAL nodepilot.compliance_retention = 'on'`, and only once the snapshot is past the
-- 2555-day retention period — or when its account row is already gone (the ON DELETE CASCADE of an
-- account's erasure). Anchors are deleted only with their account.
CREATE OR REPLACE FUNCTION nodepilot_compliance_append_only() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF NOT EXISTS (SELECT 1 FROM accounts WHERE id = OLD.account_id) THEN
      RETURN OLD;
    END IF;
    IF TG_TABLE_NAME = 'compliance_snapshots'
      AND current_setting('nodepilot.compliance_retention', true) = 'on'
      AND OLD.generated_at < now() - interval '2555 days' THEN
      RETURN OLD;
    END IF;
  END IF;
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = '42501';
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER compliance_snapshots_append_only BEFORE UPDATE OR DELETE ON compliance_snapshots
  FOR EACH ROW EXECUTE FUNCTION nodepilot_compliance_append_only();
--> statement-breakpoint
CREATE TRIGGER compliance_snapshots_no_truncate BEFORE TRUNCATE ON compliance_snapshots
  FOR EACH STATEMENT EXECUTE FUNCTION nodepilot_compliance_append_only();
--> statement-breakpoint
CREATE TRIGGER compliance_chain_anchors_append_only BEFORE UPDATE OR DELETE ON compliance_chain_anchors
  FOR EACH ROW EXECUTE FUNCTION nodepilot_compliance_append_only();
--> statement-breakpoint
CREATE TRIGGER compliance_chain_anchors_no_truncate BEFORE TRUNCATE ON compliance_chain_anchors
  FOR EACH STATEMENT EXECUTE FUNCTION nodepilot_compliance_append_only();
