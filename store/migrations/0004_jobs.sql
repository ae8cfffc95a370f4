CREATE TABLE "job_locks" (
	"name" text PRIMARY KEY NOT NULL,
	"holder" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "job_runs" (
	"id" uuid PRIMARY KEY NOT NULL,
	"job" text NOT NULL,
	"job_id" text NOT NULL,
	"attempt" integer NOT NULL,
	"worker" text NOT NULL,
	"status" text NOT NULL,
	"stats" jsonb,
	"error" text,
	"started_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "job_schedules" (
	"queue" text NOT NULL,
	"key" text NOT NULL,
	"name" text NOT NULL,
	"payload" jsonb NOT NULL,
	"every_ms" integer,
	"cron" text,
	"tz" text,
	"next_run_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	"updated_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	CONSTRAINT "job_schedules_queue_key_pk" PRIMARY KEY("queue","key")
);
--> statement-breakpoint
CREATE TABLE "queued_jobs" (
	"id" uuid PRIMARY KEY NOT NULL,
	"queue" text NOT NULL,
	"name" text NOT NULL,
	"payload" jsonb NOT NULL,
	"status" text DEFAULT 'waiting' NOT NULL,
	"dedup_key" text,
	"run_at" timestamp with time zone NOT NULL,
	"scheduled_for" timestamp with time zone,
	"attempts_made" integer DEFAULT 0 NOT NULL,
	"max_attempts" integer NOT NULL,
	"backoff_type" text NOT NULL,
	"backoff_ms" integer NOT NULL,
	"lease_id" uuid,
	"lease_holder" text,
	"lease_expires_at" timestamp with time zone,
	"last_error" text,
	"finished_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL,
	"updated_at" timestamp with time zone DEFAULT date_trunc('milliseconds', clock_timestamp()) NOT NULL
);
--> statement-breakpoint
CREATE INDEX "job_runs_job_started" ON "job_runs" USING btree ("job","started_at");--> statement-breakpoint
CREATE INDEX "job_runs_job_id" ON "job_runs" USING btree ("job_id");--> statement-breakpoint
CREATE INDEX "queued_jobs_due" ON "queued_jobs" USING btree ("queue","status","run_at");--> statement-breakpoint
CREATE UNIQUE INDEX "queued_jobs_dedup" ON "queued_jobs" USING btree ("queue","dedup_key") WHERE dedup_key IS NOT NULL AND status IN ('waiting', 'active');