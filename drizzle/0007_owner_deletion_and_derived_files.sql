CREATE TABLE "derived_files" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "derived_files_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"upload_id" text NOT NULL,
	"kind" text NOT NULL,
	"storage_key" text NOT NULL,
	"content_type" text NOT NULL,
	"bytes" bigint NOT NULL,
	"width" integer,
	"height" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "derived_files_kind_check" CHECK ("derived_files"."kind" IN ('thumbnail', 'storyboard', 'storyboard-vtt'))
);
--> statement-breakpoint
ALTER TABLE "uploads" DROP CONSTRAINT "uploads_status_check";--> statement-breakpoint
ALTER TABLE "uploads" ADD COLUMN "deleted_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "derived_files" ADD CONSTRAINT "derived_files_upload_id_uploads_id_fk" FOREIGN KEY ("upload_id") REFERENCES "public"."uploads"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "derived_files_upload_kind_key" ON "derived_files" USING btree ("upload_id","kind");--> statement-breakpoint
CREATE UNIQUE INDEX "derived_files_storage_key_key" ON "derived_files" USING btree ("storage_key");--> statement-breakpoint
ALTER TABLE "uploads" ADD CONSTRAINT "uploads_status_check" CHECK ("uploads"."status" IN ('pending', 'uploaded', 'queued', 'processing', 'processed', 'failed', 'expired', 'aborted', 'rejected', 'deleted'));