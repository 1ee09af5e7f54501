CREATE TABLE "storage_usage" (
	"user_id" text PRIMARY KEY NOT NULL,
	"upload_bytes" bigint DEFAULT 0 NOT NULL,
	"derived_bytes" bigint DEFAULT 0 NOT NULL
);
--> statement-breakpoint
DROP INDEX "uploads_owner_stored_idx";--> statement-breakpoint
ALTER TABLE "uploads" ADD COLUMN "derived_bytes" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "storage_usage" ADD CONSTRAINT "storage_usage_user_id_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."user"("id") ON DELETE cascade ON UPDATE no action;
--> statement-breakpoint
-- Storage usage is kept by statement-level triggers, like the overview's rollups (0005):
-- each statement adds the difference it made to each owner's row, grouped, in key order
-- (no deadlocks between statements touching several owners), in its own transaction. An
-- upload counts while it holds or may still receive bytes: not deleted, expired or
-- aborted, and its object not gone (a purged rejection, an admin's delete); it counts at
-- coalesce(real_size, declared_size) (pending rows have no real_size yet) plus the bytes
-- of its derived files, which uploads.derived_bytes carries so that an upload's row alone
-- says what it counts (a cascade deletes derived_files rows after their upload is gone).
-- Owners whose user row is gone (a user deletion cascading to uploads) are skipped: their
-- usage row goes with them.
LOCK TABLE "uploads" IN SHARE ROW EXCLUSIVE MODE;
--> statement-breakpoint
LOCK TABLE "derived_files" IN SHARE ROW EXCLUSIVE MODE;
--> statement-breakpoint
-- Backfill, under the locks taken above: derived bytes per upload, then each user's usage.
UPDATE uploads u SET derived_bytes = d.bytes
FROM (SELECT upload_id, sum(bytes) AS bytes FROM derived_files GROUP BY upload_id) d
WHERE u.id = d.upload_id;
--> statement-breakpoint
INSERT INTO storage_usage (user_id, upload_bytes, derived_bytes)
SELECT u.id, coalesce(s.upload_bytes, 0), coalesce(s.derived_bytes, 0)
FROM "user" u LEFT JOIN (
  SELECT owner_id, sum(coalesce(real_size, declared_size)) AS upload_bytes, sum(derived_bytes) AS derived_bytes FROM uploads
  WHERE status NOT IN ('deleted', 'expired', 'aborted') AND object_deleted_at IS NULL
  GROUP BY owner_id
) s ON s.owner_id = u.id
ON CONFLICT (user_id) DO UPDATE SET upload_bytes = excluded.upload_bytes, derived_bytes = excluded.derived_bytes;
--> statement-breakpoint
CREATE FUNCTION storage_usage_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO storage_usage (user_id, upload_bytes, derived_bytes)
  SELECT d.owner_id, sum(coalesce(d.real_size, d.declared_size)), sum(d.derived_bytes)
  FROM new_rows d
  WHERE d.status NOT IN ('deleted', 'expired', 'aborted') AND d.object_deleted_at IS NULL
    AND EXISTS (SELECT 1 FROM "user" WHERE id = d.owner_id)
  GROUP BY d.owner_id ORDER BY d.owner_id
  ON CONFLICT (user_id) DO UPDATE SET upload_bytes = storage_usage.upload_bytes + excluded.upload_bytes,
    derived_bytes = storage_usage.derived_bytes + excluded.derived_bytes;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION storage_usage_on_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  WITH d AS (
    SELECT owner_id, coalesce(real_size, declared_size) AS upload_bytes, derived_bytes FROM new_rows
    WHERE status NOT IN ('deleted', 'expired', 'aborted') AND object_deleted_at IS NULL
    UNION ALL
    SELECT owner_id, -coalesce(real_size, declared_size), -derived_bytes FROM old_rows
    WHERE status NOT IN ('deleted', 'expired', 'aborted') AND object_deleted_at IS NULL
  )
  INSERT INTO storage_usage (user_id, upload_bytes, derived_bytes)
  SELECT d.owner_id, sum(d.upload_bytes), sum(d.derived_bytes) FROM d
  WHERE EXISTS (SELECT 1 FROM "user" WHERE id = d.owner_id)
  GROUP BY d.owner_id HAVING sum(d.upload_bytes) <> 0 OR sum(d.derived_bytes) <> 0 ORDER BY d.owner_id
  ON CONFLICT (user_id) DO UPDATE SET upload_bytes = storage_usage.upload_bytes + excluded.upload_bytes,
    derived_bytes = storage_usage.derived_bytes + excluded.derived_bytes;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION storage_usage_on_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO storage_usage (user_id, upload_bytes, derived_bytes)
  SELECT d.owner_id, -sum(coalesce(d.real_size, d.declared_size)), -sum(d.derived_bytes)
  FROM old_rows d
  WHERE d.status NOT IN ('deleted', 'expired', 'aborted') AND d.object_deleted_at IS NULL
    AND EXISTS (SELECT 1 FROM "user" WHERE id = d.owner_id)
  GROUP BY d.owner_id ORDER BY d.owner_id
  ON CONFLICT (user_id) DO UPDATE SET upload_bytes = storage_usage.upload_bytes + excluded.upload_bytes,
    derived_bytes = storage_usage.derived_bytes + excluded.derived_bytes;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION storage_usage_on_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE storage_usage SET upload_bytes = 0, derived_bytes = 0 WHERE upload_bytes <> 0 OR derived_bytes <> 0;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER uploads_storage_usage_insert AFTER INSERT ON "uploads" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION storage_usage_on_insert();
--> statement-breakpoint
CREATE TRIGGER uploads_storage_usage_update AFTER UPDATE ON "uploads" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION storage_usage_on_update();
--> statement-breakpoint
CREATE TRIGGER uploads_storage_usage_delete AFTER DELETE ON "uploads" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION storage_usage_on_delete();
--> statement-breakpoint
CREATE TRIGGER uploads_storage_usage_truncate AFTER TRUNCATE ON "uploads" FOR EACH STATEMENT EXECUTE FUNCTION storage_usage_on_truncate();
--> statement-breakpoint
-- derived_files → uploads.derived_bytes (whose update then reaches storage_usage above).
-- A cascade from a deleted upload finds no row to update, which is right: the upload's
-- delete already took its derived bytes off.
CREATE FUNCTION uploads_derived_bytes_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE uploads u SET derived_bytes = u.derived_bytes + d.bytes
  FROM (SELECT upload_id, sum(bytes) AS bytes FROM new_rows GROUP BY upload_id) d
  WHERE u.id = d.upload_id;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION uploads_derived_bytes_on_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE uploads u SET derived_bytes = u.derived_bytes + d.bytes
  FROM (
    SELECT upload_id, sum(bytes) AS bytes FROM (
      SELECT upload_id, bytes FROM new_rows UNION ALL SELECT upload_id, -bytes FROM old_rows
    ) x GROUP BY upload_id HAVING sum(bytes) <> 0
  ) d
  WHERE u.id = d.upload_id;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION uploads_derived_bytes_on_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE uploads u SET derived_bytes = u.derived_bytes - d.bytes
  FROM (SELECT upload_id, sum(bytes) AS bytes FROM old_rows GROUP BY upload_id) d
  WHERE u.id = d.upload_id;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION uploads_derived_bytes_on_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE uploads SET derived_bytes = 0 WHERE derived_bytes <> 0;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER derived_files_bytes_insert AFTER INSERT ON "derived_files" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION uploads_derived_bytes_on_insert();
--> statement-breakpoint
CREATE TRIGGER derived_files_bytes_update AFTER UPDATE ON "derived_files" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION uploads_derived_bytes_on_update();
--> statement-breakpoint
CREATE TRIGGER derived_files_bytes_delete AFTER DELETE ON "derived_files" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION uploads_derived_bytes_on_delete();
--> statement-breakpoint
CREATE TRIGGER derived_files_bytes_truncate AFTER TRUNCATE ON "derived_files" FOR EACH STATEMENT EXECUTE FUNCTION uploads_derived_bytes_on_truncate();
