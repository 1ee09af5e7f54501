CREATE TABLE "upload_latency_bins" (
	"bucket" timestamp with time zone NOT NULL,
	"bin" integer NOT NULL,
	"shard" integer NOT NULL,
	"n" bigint NOT NULL,
	CONSTRAINT "upload_latency_bins_bucket_bin_shard_pk" PRIMARY KEY("bucket","bin","shard")
);
--> statement-breakpoint
CREATE TABLE "upload_rollups" (
	"bucket" timestamp with time zone NOT NULL,
	"kind" text NOT NULL,
	"shard" integer NOT NULL,
	"files" bigint NOT NULL,
	"bytes" bigint NOT NULL,
	CONSTRAINT "upload_rollups_bucket_kind_shard_pk" PRIMARY KEY("bucket","kind","shard")
);
--> statement-breakpoint
CREATE TABLE "upload_status_counts" (
	"status" text NOT NULL,
	"shard" integer NOT NULL,
	"n" bigint NOT NULL,
	CONSTRAINT "upload_status_counts_status_shard_pk" PRIMARY KEY("status","shard")
);

--> statement-breakpoint
-- The overview's rollups are kept by statement-level triggers: each statement on uploads
-- adds the difference it made (new rows count +1, old rows -1), grouped, in its own
-- transaction, so the rollups always equal a full recount of uploads. Upserts go in key
-- order so concurrent statements lock counter rows in the same order (no deadlocks).
LOCK TABLE "uploads" IN SHARE ROW EXCLUSIVE MODE;
--> statement-breakpoint
-- Log histogram bin of a latency: bin b holds [2^(b/8), 2^((b+1)/8)) ms; under 1 ms is bin 0.
CREATE FUNCTION upload_latency_bin(latency interval) RETURNS integer LANGUAGE sql IMMUTABLE AS $$
  SELECT floor(8 * ln(greatest(extract(epoch from latency) * 1000, 1)) / ln(2))::integer
$$;
--> statement-breakpoint
-- INSERT: every new row counts once.
CREATE FUNCTION upload_rollups_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  WITH d AS (SELECT u.*, 1 AS sign FROM new_rows u)
  INSERT INTO upload_status_counts (status, shard, n)
  SELECT d.status, abs(hashtext(d.id)) % 16, sum(d.sign) FROM d
  GROUP BY 1, 2 HAVING sum(d.sign) <> 0 ORDER BY 1, 2
  ON CONFLICT (status, shard) DO UPDATE SET n = upload_status_counts.n + excluded.n;

  WITH d AS (SELECT u.*, 1 AS sign FROM new_rows u)
  INSERT INTO upload_rollups (bucket, kind, shard, files, bytes)
  SELECT date_bin('5 minutes', c.at, timestamptz '2000-01-01 00:00:00+00'), c.kind, abs(hashtext(d.id)) % 4, sum(d.sign), sum(d.sign * c.bytes)
  FROM d CROSS JOIN LATERAL (VALUES
    ('confirmed:' || d.source, d.uploaded_at, coalesce(d.real_size, 0)),
    ('processed', d.processed_at, coalesce(d.real_size, 0)),
    ('expired', d.expired_at, 0::bigint),
    ('aborted', d.aborted_at, 0::bigint),
    ('aborted_multipart', CASE WHEN d.s3_upload_id IS NOT NULL THEN d.aborted_at END, 0::bigint)
  ) AS c(kind, at, bytes)
  WHERE c.kind IS NOT NULL AND c.at IS NOT NULL
  GROUP BY 1, 2, 3 HAVING sum(d.sign) <> 0 OR sum(d.sign * c.bytes) <> 0 ORDER BY 1, 2, 3
  ON CONFLICT (bucket, kind, shard) DO UPDATE SET files = upload_rollups.files + excluded.files, bytes = upload_rollups.bytes + excluded.bytes;

  WITH d AS (SELECT u.*, 1 AS sign FROM new_rows u)
  INSERT INTO upload_latency_bins (bucket, bin, shard, n)
  SELECT date_bin('5 minutes', d.processed_at, timestamptz '2000-01-01 00:00:00+00'), upload_latency_bin(d.processed_at - d.uploaded_at), abs(hashtext(d.id)) % 4, sum(d.sign)
  FROM d WHERE d.processed_at IS NOT NULL AND d.uploaded_at IS NOT NULL
  GROUP BY 1, 2, 3 HAVING sum(d.sign) <> 0 ORDER BY 1, 2, 3
  ON CONFLICT (bucket, bin, shard) DO UPDATE SET n = upload_latency_bins.n + excluded.n;

  RETURN NULL;
END $$;
--> statement-breakpoint
-- UPDATE: the new version in, the old one out; unchanged contributions cancel in the grouping.
CREATE FUNCTION upload_rollups_on_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  WITH d AS (SELECT u.*, 1 AS sign FROM new_rows u UNION ALL SELECT u.*, -1 AS sign FROM old_rows u)
  INSERT INTO upload_status_counts (status, shard, n)
  SELECT d.status, abs(hashtext(d.id)) % 16, sum(d.sign) FROM d
  GROUP BY 1, 2 HAVING sum(d.sign) <> 0 ORDER BY 1, 2
  ON CONFLICT (status, shard) DO UPDATE SET n = upload_status_counts.n + excluded.n;

  WITH d AS (SELECT u.*, 1 AS sign FROM new_rows u UNION ALL SELECT u.*, -1 AS sign FROM old_rows u)
  INSERT INTO upload_rollups (bucket, kind, shard, files, bytes)
  SELECT date_bin('5 minutes', c.at, timestamptz '2000-01-01 00:00:00+00'), c.kind, abs(hashtext(d.id)) % 4, sum(d.sign), sum(d.sign * c.bytes)
  FROM d CROSS JOIN LATERAL (VALUES
    ('confirmed:' || d.source, d.uploaded_at, coalesce(d.real_size, 0)),
    ('processed', d.processed_at, coalesce(d.real_size, 0)),
    ('expired', d.expired_at, 0::bigint),
    ('aborted', d.aborted_at, 0::bigint),
    ('aborted_multipart', CASE WHEN d.s3_upload_id IS NOT NULL THEN d.aborted_at END, 0::bigint)
  ) AS c(kind, at, bytes)
  WHERE c.kind IS NOT NULL AND c.at IS NOT NULL
  GROUP BY 1, 2, 3 HAVING sum(d.sign) <> 0 OR sum(d.sign * c.bytes) <> 0 ORDER BY 1, 2, 3
  ON CONFLICT (bucket, kind, shard) DO UPDATE SET files = upload_rollups.files + excluded.files, bytes = upload_rollups.bytes + excluded.bytes;

  WITH d AS (SELECT u.*, 1 AS sign FROM new_rows u UNION ALL SELECT u.*, -1 AS sign FROM old_rows u)
  INSERT INTO upload_latency_bins (bucket, bin, shard, n)
  SELECT date_bin('5 minutes', d.processed_at, timestamptz '2000-01-01 00:00:00+00'), upload_latency_bin(d.processed_at - d.uploaded_at), abs(hashtext(d.id)) % 4, sum(d.sign)
  FROM d WHERE d.processed_at IS NOT NULL AND d.uploaded_at IS NOT NULL
  GROUP BY 1, 2, 3 HAVING sum(d.sign) <> 0 ORDER BY 1, 2, 3
  ON CONFLICT (bucket, bin, shard) DO UPDATE SET n = upload_latency_bins.n + excluded.n;

  RETURN NULL;
END $$;
--> statement-breakpoint
-- DELETE (a user or project deleted cascades here): every old row out.
CREATE FUNCTION upload_rollups_on_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  WITH d AS (SELECT u.*, -1 AS sign FROM old_rows u)
  INSERT INTO upload_status_counts (status, shard, n)
  SELECT d.status, abs(hashtext(d.id)) % 16, sum(d.sign) FROM d
  GROUP BY 1, 2 HAVING sum(d.sign) <> 0 ORDER BY 1, 2
  ON CONFLICT (status, shard) DO UPDATE SET n = upload_status_counts.n + excluded.n;

  WITH d AS (SELECT u.*, -1 AS sign FROM old_rows u)
  INSERT INTO upload_rollups (bucket, kind, shard, files, bytes)
  SELECT date_bin('5 minutes', c.at, timestamptz '2000-01-01 00:00:00+00'), c.kind, abs(hashtext(d.id)) % 4, sum(d.sign), sum(d.sign * c.bytes)
  FROM d CROSS JOIN LATERAL (VALUES
    ('confirmed:' || d.source, d.uploaded_at, coalesce(d.real_size, 0)),
    ('processed', d.processed_at, coalesce(d.real_size, 0)),
    ('expired', d.expired_at, 0::bigint),
    ('aborted', d.aborted_at, 0::bigint),
    ('aborted_multipart', CASE WHEN d.s3_upload_id IS NOT NULL THEN d.aborted_at END, 0::bigint)
  ) AS c(kind, at, bytes)
  WHERE c.kind IS NOT NULL AND c.at IS NOT NULL
  GROUP BY 1, 2, 3 HAVING sum(d.sign) <> 0 OR sum(d.sign * c.bytes) <> 0 ORDER BY 1, 2, 3
  ON CONFLICT (bucket, kind, shard) DO UPDATE SET files = upload_rollups.files + excluded.files, bytes = upload_rollups.bytes + excluded.bytes;

  WITH d AS (SELECT u.*, -1 AS sign FROM old_rows u)
  INSERT INTO upload_latency_bins (bucket, bin, shard, n)
  SELECT date_bin('5 minutes', d.processed_at, timestamptz '2000-01-01 00:00:00+00'), upload_latency_bin(d.processed_at - d.uploaded_at), abs(hashtext(d.id)) % 4, sum(d.sign)
  FROM d WHERE d.processed_at IS NOT NULL AND d.uploaded_at IS NOT NULL
  GROUP BY 1, 2, 3 HAVING sum(d.sign) <> 0 ORDER BY 1, 2, 3
  ON CONFLICT (bucket, bin, shard) DO UPDATE SET n = upload_latency_bins.n + excluded.n;

  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION upload_rollups_on_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM upload_status_counts;
  DELETE FROM upload_rollups;
  DELETE FROM upload_latency_bins;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER uploads_rollups_insert AFTER INSERT ON "uploads" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION upload_rollups_on_insert();
--> statement-breakpoint
CREATE TRIGGER uploads_rollups_update AFTER UPDATE ON "uploads" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION upload_rollups_on_update();
--> statement-breakpoint
CREATE TRIGGER uploads_rollups_delete AFTER DELETE ON "uploads" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION upload_rollups_on_delete();
--> statement-breakpoint
CREATE TRIGGER uploads_rollups_truncate AFTER TRUNCATE ON "uploads" FOR EACH STATEMENT EXECUTE FUNCTION upload_rollups_on_truncate();
--> statement-breakpoint
-- Backfill from the rows already there, as one big "insert" of every row.
  WITH d AS (SELECT u.*, 1 AS sign FROM uploads u)
  INSERT INTO upload_status_counts (status, shard, n)
  SELECT d.status, abs(hashtext(d.id)) % 16, sum(d.sign) FROM d
  GROUP BY 1, 2 HAVING sum(d.sign) <> 0 ORDER BY 1, 2
  ON CONFLICT (status, shard) DO UPDATE SET n = upload_status_counts.n + excluded.n;
--> statement-breakpoint
  WITH d AS (SELECT u.*, 1 AS sign FROM uploads u)
  INSERT INTO upload_rollups (bucket, kind, shard, files, bytes)
  SELECT date_bin('5 minutes', c.at, timestamptz '2000-01-01 00:00:00+00'), c.kind, abs(hashtext(d.id)) % 4, sum(d.sign), sum(d.sign * c.bytes)
  FROM d CROSS JOIN LATERAL (VALUES
    ('confirmed:' || d.source, d.uploaded_at, coalesce(d.real_size, 0)),
    ('processed', d.processed_at, coalesce(d.real_size, 0)),
    ('expired', d.expired_at, 0::bigint),
    ('aborted', d.aborted_at, 0::bigint),
    ('aborted_multipart', CASE WHEN d.s3_upload_id IS NOT NULL THEN d.aborted_at END, 0::bigint)
  ) AS c(kind, at, bytes)
  WHERE c.kind IS NOT NULL AND c.at IS NOT NULL
  GROUP BY 1, 2, 3 HAVING sum(d.sign) <> 0 OR sum(d.sign * c.bytes) <> 0 ORDER BY 1, 2, 3
  ON CONFLICT (bucket, kind, shard) DO UPDATE SET files = upload_rollups.files + excluded.files, bytes = upload_rollups.bytes + excluded.bytes;
--> statement-breakpoint
  WITH d AS (SELECT u.*, 1 AS sign FROM uploads u)
  INSERT INTO upload_latency_bins (bucket, bin, shard, n)
  SELECT date_bin('5 minutes', d.processed_at, timestamptz '2000-01-01 00:00:00+00'), upload_latency_bin(d.processed_at - d.uploaded_at), abs(hashtext(d.id)) % 4, sum(d.sign)
  FROM d WHERE d.processed_at IS NOT NULL AND d.uploaded_at IS NOT NULL
  GROUP BY 1, 2, 3 HAVING sum(d.sign) <> 0 ORDER BY 1, 2, 3
  ON CONFLICT (bucket, bin, shard) DO UPDATE SET n = upload_latency_bins.n + excluded.n;
