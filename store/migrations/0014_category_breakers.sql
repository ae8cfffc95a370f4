CREATE TABLE "category_breakers" (
	"account_id" uuid NOT NULL,
	"action_category" text NOT NULL,
	"state" text DEFAULT 'closed' NOT NULL,
	"opened_at" timestamp with time zone,
	"opened_with" jsonb,
	"closed_at" timestamp with time zone,
	"closed_by" text,
	"close_reason" text,
	"updated_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	CONSTRAINT "category_breakers_account_id_action_category_pk" PRIMARY KEY("account_id","action_category"),
	CONSTRAINT "category_breakers_state" CHECK ("category_breakers"."state" IN ('closed', 'open'))
);
--> statement-breakpoint
ALTER TABLE "category_breakers" ADD CONSTRAINT "category_breakers_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;