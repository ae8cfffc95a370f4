-- A task's subject must exist in the task's account (spec/domain.md §1.3).
CREATE OR REPLACE FUNCTION nodepilot_check_task_subject() RETURNS trigger AS $$
DECLARE
  found boolean;
BEGIN
  IF NEW.subject_type = 'node' THEN
    SELECT EXISTS (SELECT 1 FROM nodes WHERE id = NEW.subject_id AND account_id = NEW.account_id) INTO found;
  ELSIF NEW.subject_type = 'node_instance' THEN
    SELECT EXISTS (SELECT 1 FROM node_instances WHERE id = NEW.subject_id AND account_id = NEW.account_id) INTO found;
  ELSIF NEW.subject_type = 'provider_connection' THEN
    SELECT EXISTS (SELECT 1 FROM provider_connections WHERE id = NEW.subject_id AND account_id = NEW.account_id) INTO found;
  ELSIF NEW.subject_type = 'provider_region' THEN
    SELECT EXISTS (SELECT 1 FROM provider_regions WHERE id = NEW.subject_id AND account_id = NEW.account_id) INTO found;
  ELSE
    RAISE EXCEPTION 'task subject type % has no table yet', NEW.subject_type USING ERRCODE = '23503';
  END IF;
  IF NOT found THEN
    RAISE EXCEPTION 'task subject %/% does not exist in account %', NEW.subject_type, NEW.subject_id, NEW.account_id
      USING ERRCODE = '23503';
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER tasks_subject_check BEFORE INSERT OR UPDATE OF subject_type, subject_id ON tasks
  FOR EACH ROW EXECUTE FUNCTION nodepilot_check_task_subject();
