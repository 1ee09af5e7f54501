-- pg_trgm backs the admin name search; drizzle-kit does not emit extensions, so this line is hand-added.
CREATE EXTENSION IF NOT EXISTS pg_trgm;--> statement-breakpoint
CREATE INDEX "uploads_source_created_idx" ON "uploads" USING btree ("source","created_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "uploads_name_trgm_idx" ON "uploads" USING gin ("name" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "uploads_source_uploaded_idx" ON "uploads" USING btree ("source","uploaded_at","real_size") WHERE "uploads"."uploaded_at" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "uploads_processed_at_idx" ON "uploads" USING btree ("processed_at","uploaded_at","real_size") WHERE "uploads"."processed_at" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "uploads_expired_at_idx" ON "uploads" USING btree ("expired_at") WHERE "uploads"."expired_at" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "uploads_aborted_at_idx" ON "uploads" USING btree ("aborted_at") WHERE "uploads"."aborted_at" IS NOT NULL;