ALTER TABLE "uploads" ADD COLUMN "next_publish_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "uploads" ADD COLUMN "multipart_completed_by" text;--> statement-breakpoint
ALTER TABLE "uploads" ADD COLUMN "parts_checked_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "uploads" ADD COLUMN "object_deleted_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "uploads_pending_multipart_idx" ON "uploads" USING btree ("parts_checked_at" NULLS FIRST) WHERE "uploads"."status" = 'pending' and "uploads"."s3_upload_id" is not null;