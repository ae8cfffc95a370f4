ALTER TABLE "unclaimed_devices" ALTER COLUMN "discovered_mac" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "unclaimed_devices" ALTER COLUMN "discovered_dmi_uuid" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "unclaimed_devices" ADD COLUMN "claim_code_sealed" text NOT NULL;--> statement-breakpoint
ALTER TABLE "unclaimed_devices" ADD COLUMN "bootstrap_token_id" uuid;--> statement-breakpoint
ALTER TABLE "unclaimed_devices" ADD COLUMN "bootstrap_token_sealed" text;--> statement-breakpoint
ALTER TABLE "unclaimed_devices" ADD COLUMN "created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL;--> statement-breakpoint
ALTER TABLE "unclaimed_devices" ADD CONSTRAINT "unclaimed_devices_claimed_node_instance_id_node_instances_id_fk" FOREIGN KEY ("claimed_node_instance_id") REFERENCES "public"."node_instances"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "unclaimed_devices" ADD CONSTRAINT "unclaimed_devices_bootstrap_token_id_bootstrap_tokens_id_fk" FOREIGN KEY ("bootstrap_token_id") REFERENCES "public"."bootstrap_tokens"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "unclaimed_devices_hardware" ON "unclaimed_devices" USING btree ("account_id","discovered_dmi_uuid","discovered_mac");