CREATE TABLE "module_digest_observations" (
	"id" uuid PRIMARY KEY NOT NULL,
	"account_id" uuid NOT NULL,
	"node_instance_id" uuid NOT NULL,
	"node_module_id" uuid NOT NULL,
	"oci_digest" text NOT NULL,
	"first_seen_at" timestamp with time zone NOT NULL,
	"last_seen_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "platform_certificates" (
	"id" uuid PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"ca_cert_pem" text NOT NULL,
	"ca_key_encrypted" text NOT NULL,
	"cert_pem" text NOT NULL,
	"key_encrypted" text NOT NULL,
	"subject_alt_names" text[] NOT NULL,
	"not_after" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	CONSTRAINT "platform_certificates_kind_unique" UNIQUE("kind")
);
--> statement-breakpoint
ALTER TABLE "bootstrap_tokens" ADD COLUMN "failed_attempts" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "module_digest_observations" ADD CONSTRAINT "module_digest_observations_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "module_digest_observations" ADD CONSTRAINT "module_digest_observations_node_instance_id_node_instances_id_fk" FOREIGN KEY ("node_instance_id") REFERENCES "public"."node_instances"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "module_digest_observations_key" ON "module_digest_observations" USING btree ("node_instance_id","node_module_id","oci_digest");