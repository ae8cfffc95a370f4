DROP INDEX "job_runs_job_id";--> statement-breakpoint
ALTER TABLE "job_runs" ADD COLUMN "queue" text NOT NULL;--> statement-breakpoint
CREATE INDEX "job_runs_job_id" ON "job_runs" USING btree ("queue","job_id");