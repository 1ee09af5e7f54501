CREATE TABLE "upload_latency_hist" (
	"level" integer NOT NULL,
	"kind" text NOT NULL,
	"bucket" timestamp with time zone NOT NULL,
	"bin" integer NOT NULL,
	"shard" integer NOT NULL,
	"n" bigint NOT NULL,
	CONSTRAINT "upload_latency_hist_level_kind_bucket_bin_shard_pk" PRIMARY KEY("level","kind","bucket","bin","shard")
);
--> statement-breakpoint
ALTER TABLE "uploads" ADD COLUMN "landed_at" timestamp with time zone;--> statement-breakpoint
-- The latency histograms move to upload_latency_hist (several bucket widths, so a week reads
-- a few coarse buckets instead of 2,016 fine ones) and gain trigger latency, which needs the
-- landing time on the row: uploads.landed_at, kept by a trigger on upload_events.
LOCK TABLE "uploads" IN SHARE ROW EXCLUSIVE MODE;
--> statement-breakpoint
-- The landing time an `uploaded` event recorded, or null: never an error, so a malformed
-- timestamp in a detail object cannot fail the confirmation that recorded it.
CREATE FUNCTION upload_landing_time(detail jsonb) RETURNS timestamptz LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE v text := coalesce(detail->>'bytesAt', detail->>'lastModified', detail->>'objectLastModified', detail->>'eventTime');
BEGIN
  IF v IS NULL OR v !~ '^\d{4}-\d{2}-\d{2}' THEN RETURN NULL; END IF;
  RETURN v::timestamptz;
EXCEPTION WHEN others THEN
  RETURN NULL;
END $$;
--> statement-breakpoint
-- uploads.landed_at is the earliest landing time of the upload's `uploaded` events (the
-- minimum, so the order events arrive in does not matter). This UPDATE fires the rollup
-- trigger on uploads, which moves the upload's trigger-latency sample to its bin.
CREATE FUNCTION upload_events_set_landed_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE uploads u SET landed_at = x.landed_at
  FROM (
    SELECT e.upload_id, min(upload_landing_time(e.detail)) AS landed_at
    FROM new_rows e WHERE e.type = 'uploaded' GROUP BY 1
  ) x
  WHERE u.id = x.upload_id AND x.landed_at IS NOT NULL AND (u.landed_at IS NULL OR x.landed_at < u.landed_at);
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER upload_events_landed_at AFTER INSERT ON "upload_events" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION upload_events_set_landed_at();
--> statement-breakpoint
-- One upload's latency samples: processing (bucketed by processed_at) and trigger latency
-- (by uploaded_at; from the landing time or, where none was recorded, the intent's creation).
CREATE FUNCTION upload_latency_samples(source text, created_at timestamptz, landed_at timestamptz, uploaded_at timestamptz, processed_at timestamptz)
RETURNS TABLE (kind text, at timestamptz, bin integer) LANGUAGE sql IMMUTABLE AS $$
  SELECT x.kind, x.at, upload_latency_bin(x.latency)
  FROM (VALUES
    ('processing', processed_at, processed_at - uploaded_at),
    (CASE WHEN landed_at IS NOT NULL THEN 'trigger:' ELSE 'trigger-upper:' END || source, uploaded_at, uploaded_at - coalesce(landed_at, created_at))
  ) AS x(kind, at, latency)
  WHERE x.kind IS NOT NULL AND x.at IS NOT NULL AND x.latency IS NOT NULL
$$;
--> statement-breakpoint
-- INSERT: every new row counts once.
CREATE OR REPLACE FUNCTION upload_rollups_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
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
  INSERT INTO upload_latency_hist (level, kind, bucket, bin, shard, n)
  SELECT l.level, s.kind, date_bin(make_interval(secs => l.level), s.at, timestamptz '2000-01-01 00:00:00+00'), s.bin, abs(hashtext(d.id)) % 4, sum(d.sign)
  FROM d CROSS JOIN LATERAL upload_latency_samples(d.source, d.created_at, d.landed_at, d.uploaded_at, d.processed_at) s
    CROSS JOIN (VALUES (300), (3600), (21600), (86400)) AS l(level)
  GROUP BY 1, 2, 3, 4, 5 HAVING sum(d.sign) <> 0 ORDER BY 1, 2, 3, 4, 5
  ON CONFLICT (level, kind, bucket, bin, shard) DO UPDATE SET n = upload_latency_hist.n + excluded.n;

  RETURN NULL;
END $$;
--> statement-breakpoint
-- UPDATE: the new version in, the old one out; unchanged contributions cancel in the grouping.
CREATE OR REPLACE FUNCTION upload_rollups_on_update() RETURNS trigger LANGUAGE plpgsql AS $$
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
  INSERT INTO upload_latency_hist (level, kind, bucket, bin, shard, n)
  SELECT l.level, s.kind, date_bin(make_interval(secs => l.level), s.at, timestamptz '2000-01-01 00:00:00+00'), s.bin, abs(hashtext(d.id)) % 4, sum(d.sign)
  FROM d CROSS JOIN LATERAL upload_latency_samples(d.source, d.created_at, d.landed_at, d.uploaded_at, d.processed_at) s
    CROSS JOIN (VALUES (300), (3600), (21600), (86400)) AS l(level)
  GROUP BY 1, 2, 3, 4, 5 HAVING sum(d.sign) <> 0 ORDER BY 1, 2, 3, 4, 5
  ON CONFLICT (level, kind, bucket, bin, shard) DO UPDATE SET n = upload_latency_hist.n + excluded.n;

  RETURN NULL;
END $$;
--> statement-breakpoint
-- DELETE (a user or project deleted cascades here): every old row out.
CREATE OR REPLACE FUNCTION upload_rollups_on_delete() RETURNS trigger LANGUAGE plpgsql AS $$
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
  INSERT INTO upload_latency_hist (level, kind, bucket, bin, shard, n)
  SELECT l.level, s.kind, date_bin(make_interval(secs => l.level), s.at, timestamptz '2000-01-01 00:00:00+00'), s.bin, abs(hashtext(d.id)) % 4, sum(d.sign)
  FROM d CROSS JOIN LATERAL upload_latency_samples(d.source, d.created_at, d.landed_at, d.uploaded_at, d.processed_at) s
    CROSS JOIN (VALUES (300), (3600), (21600), (86400)) AS l(level)
  GROUP BY 1, 2, 3, 4, 5 HAVING sum(d.sign) <> 0 ORDER BY 1, 2, 3, 4, 5
  ON CONFLICT (level, kind, bucket, bin, shard) DO UPDATE SET n = upload_latency_hist.n + excluded.n;

  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION upload_rollups_on_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM upload_status_counts;
  DELETE FROM upload_rollups;
  DELETE FROM upload_latency_hist;
  RETURN NULL;
END $$;
--> statement-breakpoint
-- Backfill: landing times from the events already recorded (the update trigger's deltas land
-- in the still-empty histogram table and are wrong there), then the table rebuilt from every row.
UPDATE uploads u SET landed_at = x.landed_at
FROM (SELECT e.upload_id, min(upload_landing_time(e.detail)) AS landed_at FROM upload_events e WHERE e.type = 'uploaded' GROUP BY 1) x
WHERE u.id = x.upload_id AND x.landed_at IS NOT NULL;
--> statement-breakpoint
DELETE FROM upload_latency_hist;
--> statement-breakpoint
INSERT INTO upload_latency_hist (level, kind, bucket, bin, shard, n)
SELECT l.level, s.kind, date_bin(make_interval(secs => l.level), s.at, timestamptz '2000-01-01 00:00:00+00'), s.bin, abs(hashtext(d.id)) % 4, count(*)
FROM uploads d CROSS JOIN LATERAL upload_latency_samples(d.source, d.created_at, d.landed_at, d.uploaded_at, d.processed_at) s
  CROSS JOIN (VALUES (300), (3600), (21600), (86400)) AS l(level)
GROUP BY 1, 2, 3, 4, 5;
