CREATE TABLE "checksum_progress" (
	"upload_id" text PRIMARY KEY NOT NULL,
	"etag" text NOT NULL,
	"offset" bigint NOT NULL,
	"sha256_state" text NOT NULL,
	"md5_state" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "jobs" DROP CONSTRAINT "jobs_status_check";--> statement-breakpoint
ALTER TABLE "uploads" ADD COLUMN "quarantine_until" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "checksum_progress" ADD CONSTRAINT "checksum_progress_upload_id_uploads_id_fk" FOREIGN KEY ("upload_id") REFERENCES "public"."uploads"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_status_check" CHECK ("jobs"."status" IN ('started', 'succeeded', 'failed', 'skipped', 'continued'));