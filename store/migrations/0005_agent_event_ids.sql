CREATE TABLE "agent_event_ids" (
	"id" uuid PRIMARY KEY NOT NULL,
	"account_id" uuid NOT NULL,
	"node_instance_id" uuid NOT NULL,
	"received_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "agent_event_ids" ADD CONSTRAINT "agent_event_ids_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agent_event_ids" ADD CONSTRAINT "agent_event_ids_node_instance_id_node_instances_id_fk" FOREIGN KEY ("node_instance_id") REFERENCES "public"."node_instances"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "agent_event_ids_account_received" ON "agent_event_ids" USING btree ("account_id","received_at");--> statement-breakpoint
CREATE INDEX "agent_event_ids_instance" ON "agent_event_ids" USING btree ("node_instance_id");