CREATE TABLE "account_delivery_stamps" (
	"account_id" uuid PRIMARY KEY NOT NULL,
	"stamp" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "instance_delivery_revisions" (
	"instance_id" uuid PRIMARY KEY NOT NULL,
	"account_id" uuid NOT NULL,
	"stamp" bigint NOT NULL,
	"revision" text NOT NULL
);
--> statement-breakpoint
ALTER TABLE "account_delivery_stamps" ADD CONSTRAINT "account_delivery_stamps_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "instance_delivery_revisions" ADD CONSTRAINT "instance_delivery_revisions_instance_id_node_instances_id_fk" FOREIGN KEY ("instance_id") REFERENCES "public"."node_instances"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
-- custom SQL below (re-append when regenerating)
-- The delivery stamp (docs/adr/0010-delivery-revision-stamp.md). Every input the delivery revision
-- reads (core/src/delivery/revision.ts) carries two triggers:
--  * a deferred constraint trigger that bumps the row's account stamp once per transaction, at
--    commit. The stamp row is locked only then, after every other lock the transaction takes, so it
--    adds no lock-order cycle; commits that bump one account are serialised on that row, which makes
--    stamp order commit order: a snapshot that sees stamp S sees exactly the input writes up to S.
--  * an immediate statement trigger that marks the transaction dirty, so a reader inside the writing
--    transaction (whose stamp is not bumped yet) recomputes and stores nothing.
-- Adding an input to the revision means adding these triggers to its table (revision-store.test.ts
-- checks every table the revision reads).
CREATE OR REPLACE FUNCTION nodepilot_delivery_stamp_bump() RETURNS trigger AS $$
DECLARE
  accts uuid[];
  acct uuid;
  bumped text := coalesce(current_setting('nodepilot.delivery_bumped', true), '');
BEGIN
  IF TG_OP = 'INSERT' THEN
    accts := ARRAY[NEW.account_id];
  ELSIF TG_OP = 'DELETE' THEN
    accts := ARRAY[OLD.account_id];
  ELSE
    accts := ARRAY[OLD.account_id, NEW.account_id];
  END IF;
  FOREACH acct IN ARRAY accts LOOP
    IF strpos(bumped, acct::text) = 0 THEN
      -- Through accounts, so a transaction that deletes the account inserts no orphan stamp.
      INSERT INTO account_delivery_stamps AS s (account_id, stamp)
        SELECT a.id, 1 FROM accounts a WHERE a.id = acct
        ON CONFLICT (account_id) DO UPDATE SET stamp = s.stamp + 1;
      bumped := bumped || acct::text || ',';
      PERFORM set_config('nodepilot.delivery_bumped', bumped, true);
    END IF;
  END LOOP;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION nodepilot_delivery_mark_dirty() RETURNS trigger AS $$
BEGIN
  PERFORM set_config('nodepilot.delivery_dirty', 'on', true);
  IF TG_OP = 'TRUNCATE' THEN
    -- TRUNCATE fires no row triggers: every account's stamp moves instead.
    INSERT INTO account_delivery_stamps AS s (account_id, stamp)
      SELECT a.id, 1 FROM accounts a
      ON CONFLICT (account_id) DO UPDATE SET stamp = s.stamp + 1;
  END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER environments_delivery_stamp AFTER INSERT OR UPDATE OR DELETE ON environments
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION nodepilot_delivery_stamp_bump();
--> statement-breakpoint
CREATE TRIGGER environments_delivery_dirty AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON environments
  FOR EACH STATEMENT EXECUTE FUNCTION nodepilot_delivery_mark_dirty();
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER delivery_keys_delivery_stamp AFTER INSERT OR UPDATE OR DELETE ON delivery_keys
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION nodepilot_delivery_stamp_bump();
--> statement-breakpoint
CREATE TRIGGER delivery_keys_delivery_dirty AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON delivery_keys
  FOR EACH STATEMENT EXECUTE FUNCTION nodepilot_delivery_mark_dirty();
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER node_module_assignments_delivery_stamp AFTER INSERT OR UPDATE OR DELETE ON node_module_assignments
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION nodepilot_delivery_stamp_bump();
--> statement-breakpoint
CREATE TRIGGER node_module_assignments_delivery_dirty AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON node_module_assignments
  FOR EACH STATEMENT EXECUTE FUNCTION nodepilot_delivery_mark_dirty();
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER node_modules_delivery_stamp AFTER INSERT OR UPDATE OR DELETE ON node_modules
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION nodepilot_delivery_stamp_bump();
--> statement-breakpoint
CREATE TRIGGER node_modules_delivery_dirty AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON node_modules
  FOR EACH STATEMENT EXECUTE FUNCTION nodepilot_delivery_mark_dirty();
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER template_modules_delivery_stamp AFTER INSERT OR UPDATE OR DELETE ON template_modules
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION nodepilot_delivery_stamp_bump();
--> statement-breakpoint
CREATE TRIGGER template_modules_delivery_dirty AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON template_modules
  FOR EACH STATEMENT EXECUTE FUNCTION nodepilot_delivery_mark_dirty();
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER module_versions_delivery_stamp AFTER INSERT OR UPDATE OR DELETE ON module_versions
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION nodepilot_delivery_stamp_bump();
--> statement-breakpoint
CREATE TRIGGER module_versions_delivery_dirty AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON module_versions
  FOR EACH STATEMENT EXECUTE FUNCTION nodepilot_delivery_mark_dirty();
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER module_environment_pins_delivery_stamp AFTER INSERT OR UPDATE OR DELETE ON module_environment_pins
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION nodepilot_delivery_stamp_bump();
--> statement-breakpoint
CREATE TRIGGER module_environment_pins_delivery_dirty AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON module_environment_pins
  FOR EACH STATEMENT EXECUTE FUNCTION nodepilot_delivery_mark_dirty();
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER module_dependencies_delivery_stamp AFTER INSERT OR UPDATE OR DELETE ON module_dependencies
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION nodepilot_delivery_stamp_bump();
--> statement-breakpoint
CREATE TRIGGER module_dependencies_delivery_dirty AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON module_dependencies
  FOR EACH STATEMENT EXECUTE FUNCTION nodepilot_delivery_mark_dirty();
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER node_module_categories_delivery_stamp AFTER INSERT OR UPDATE OR DELETE ON node_module_categories
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION nodepilot_delivery_stamp_bump();
--> statement-breakpoint
CREATE TRIGGER node_module_categories_delivery_dirty AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON node_module_categories
  FOR EACH STATEMENT EXECUTE FUNCTION nodepilot_delivery_mark_dirty();
--> statement-breakpoint
-- Instances (which every heartbeat updates), nodes and templates count only through the columns the
-- revision reads; a new instance has no stored revision yet and a deleted one takes its row along.
CREATE CONSTRAINT TRIGGER node_instances_delivery_stamp AFTER UPDATE OF account_id, node_id, architecture, environment_id ON node_instances
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (OLD.account_id IS DISTINCT FROM NEW.account_id OR OLD.node_id IS DISTINCT FROM NEW.node_id OR OLD.architecture IS DISTINCT FROM NEW.architecture OR OLD.environment_id IS DISTINCT FROM NEW.environment_id)
  EXECUTE FUNCTION nodepilot_delivery_stamp_bump();
--> statement-breakpoint
CREATE TRIGGER node_instances_delivery_dirty AFTER UPDATE OF account_id, node_id, architecture, environment_id ON node_instances
  FOR EACH STATEMENT EXECUTE FUNCTION nodepilot_delivery_mark_dirty();
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER nodes_delivery_stamp AFTER UPDATE OF account_id, node_template_id, environment_id ON nodes
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (OLD.account_id IS DISTINCT FROM NEW.account_id OR OLD.node_template_id IS DISTINCT FROM NEW.node_template_id OR OLD.environment_id IS DISTINCT FROM NEW.environment_id)
  EXECUTE FUNCTION nodepilot_delivery_stamp_bump();
--> statement-breakpoint
CREATE TRIGGER nodes_delivery_dirty AFTER UPDATE OF account_id, node_template_id, environment_id ON nodes
  FOR EACH STATEMENT EXECUTE FUNCTION nodepilot_delivery_mark_dirty();
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER node_templates_delivery_stamp AFTER UPDATE OF account_id, environment_id ON node_templates
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (OLD.account_id IS DISTINCT FROM NEW.account_id OR OLD.environment_id IS DISTINCT FROM NEW.environment_id)
  EXECUTE FUNCTION nodepilot_delivery_stamp_bump();
--> statement-breakpoint
CREATE TRIGGER node_templates_delivery_dirty AFTER UPDATE OF account_id, environment_id ON node_templates
  FOR EACH STATEMENT EXECUTE FUNCTION nodepilot_delivery_mark_dirty();
