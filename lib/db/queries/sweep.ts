import { sql } from "drizzle-orm";
import { getDb } from "../client";
import type { SweepCounts, SweepTrigger } from "../schema";
import { mapUploadRow, type UploadRow } from "./uploads";

const mapUploadRows = (rows: unknown[]): UploadRow[] => rows.map((r) => mapUploadRow(r as Record<string, unknown>));

// Bulk queries for the sweep and the poller: every one is a single round trip over a
// bounded batch (arrays bound as one parameter with `sql.param`).

/** Full rows for up to one listing page of keys, in one statement. */
export async function getUploadsByKeys(bucket: string, keys: string[]): Promise<UploadRow[]> {
  if (!keys.length) return [];
  const result = await getDb().execute(sql`
    select * from uploads where storage_key = any(${sql.param(keys)}::text[]) and bucket = ${bucket}`);
  return mapUploadRows(result.rows as Record<string, unknown>[]);
}

/**
 * Single-PUT intents past their deadline, oldest deadline first, for the expiry pass to
 * HEAD: an object that is there is confirmed, not expired. Multipart intents are the
 * multipart pass's (their parts decide). Bounded, so expiry runs on every sweep.
 */
export async function listOverdueSinglePuts(input: { bucket: string; afterDeadline: Date | null; limit: number }) {
  const result = await getDb().execute(sql`
    select * from uploads
    where status = 'pending' and bucket = ${input.bucket} and s3_upload_id is null and deadline_at < now()
      and deadline_at > ${(input.afterDeadline ?? new Date(0)).toISOString()}::timestamptz
    order by deadline_at
    limit ${input.limit}`);
  return mapUploadRows(result.rows as Record<string, unknown>[]);
}

/** `pending → expired` for these ids (still pending, still past the deadline), with timeline events, in one statement. */
export async function expireUploads(ids: string[], detail: Record<string, unknown>): Promise<string[]> {
  if (!ids.length) return [];
  const result = await getDb().execute(sql`
    with changed as (
      update uploads set status = 'expired', expired_at = now(), updated_at = now()
      where id = any(${sql.param(ids)}::text[]) and status = 'pending' and deadline_at < now()
      returning id, deadline_at
    ), logged as (
      insert into upload_events (upload_id, type, source, detail)
      select id, 'expired', 'sweep', jsonb_build_object('deadline', deadline_at) || ${JSON.stringify(detail)}::jsonb from changed
    )
    select id from changed`);
  return (result.rows as { id: string }[]).map((r) => r.id);
}

/**
 * Pending multipart intents to compare with their stored parts: overdue ones first, then
 * the least recently checked, skipping any checked after `checkedBefore`. Picking stamps
 * `parts_checked_at`, so successive sweeps walk all of them round-robin.
 */
export async function pickPendingMultipart(input: { bucket: string; checkedBefore: Date; limit: number }) {
  const result = await getDb().execute(sql`
    with picked as (
      select id from uploads
      where status = 'pending' and s3_upload_id is not null and bucket = ${input.bucket}
        and (parts_checked_at is null or parts_checked_at < ${input.checkedBefore.toISOString()}::timestamptz)
      order by (deadline_at < now()) desc, parts_checked_at nulls first
      limit ${input.limit}
      for update skip locked
    )
    update uploads u set parts_checked_at = now() from picked where u.id = picked.id
    returning u.*`);
  return mapUploadRows(result.rows as Record<string, unknown>[]);
}

/**
 * Jobs handed to QStash that nobody is working on: `queued` rows older than `queuedBefore`
 * and `processing` rows whose lease ran out before `leaseBefore`, in id order after `afterId`.
 */
export async function listStaleHandoffs(input: { bucket: string; queuedBefore: Date; leaseBefore: Date; afterId: string; limit: number }) {
  const result = await getDb().execute(sql`
    select * from uploads
    where bucket = ${input.bucket} and id > ${input.afterId}
      and ((status = 'queued' and queued_at < ${input.queuedBefore.toISOString()}::timestamptz)
        or (status = 'processing' and (lease_until is null or lease_until < ${input.leaseBefore.toISOString()}::timestamptz)))
    order by id
    limit ${input.limit}`);
  return mapUploadRows(result.rows as Record<string, unknown>[]);
}

/**
 * The outbox: `uploaded` rows whose publish failed and whose backoff has run out, or that
 * sat unpublished past the settle time (a /complete that died between confirm and publish).
 * No cap on attempts: a row keeps being retried until QStash takes it.
 */
export async function listOutboxBatch(input: { bucket: string; settledBefore: Date; afterId: string; limit: number; anyBucket?: boolean }) {
  const result = await getDb().execute(sql`
    select * from uploads
    where status = 'uploaded' and ${input.anyBucket ? sql`true` : sql`bucket = ${input.bucket}`}
      and (next_publish_at <= now() or (next_publish_at is null and uploaded_at < ${input.settledBefore.toISOString()}::timestamptz))
      and id > ${input.afterId}
    order by id
    limit ${input.limit}`);
  return mapUploadRows(result.rows as Record<string, unknown>[]);
}

/** `uploaded` rows whose publish has failed at least `minAttempts` times: still failing, shown on the admin overview. */
export async function countOutboxFailing(bucket: string | null, minAttempts: number): Promise<number> {
  const result = await getDb().execute(sql`
    select count(*)::int as n from uploads
    where status = 'uploaded' and publish_attempts >= ${minAttempts}${bucket ? sql` and bucket = ${bucket}` : sql``}`);
  return (result.rows[0] as { n: number }).n;
}

/** Makes every failing outbox row due now (the admin's one-click republish); returns how many. */
export async function makeOutboxDue(): Promise<number> {
  const result = await getDb().execute(sql`
    update uploads set next_publish_at = now() where status = 'uploaded' and publish_attempts > 0 returning id`);
  return result.rows.length;
}

/** Timeline rows for many uploads in one statement (e.g. the multipart sessions a page aborted). */
export async function recordUploadEventsBulk(events: { uploadId: string; type: string; source: string; detail: Record<string, unknown> }[]) {
  if (!events.length) return;
  await getDb().execute(sql`
    insert into upload_events (upload_id, type, source, detail)
    select * from unnest(${sql.param(events.map((e) => e.uploadId))}::text[], ${sql.param(events.map((e) => e.type))}::text[],
      ${sql.param(events.map((e) => e.source))}::text[], ${sql.param(events.map((e) => JSON.stringify(e.detail)))}::jsonb[])`);
}

// ── sweep_runs ──────────────────────────────────────────────────────────────────

export async function insertSweepRun(trigger: SweepTrigger): Promise<number> {
  const result = await getDb().execute(sql`insert into sweep_runs (trigger) values (${trigger}) returning id`);
  return Number((result.rows[0] as { id: string | number }).id);
}

export async function finishSweepRun(id: number, input: { counts: SweepCounts; durationMs: number; error: string | null }) {
  await getDb().execute(sql`
    update sweep_runs set ended_at = now(), duration_ms = ${Math.round(input.durationMs)}, counts = ${JSON.stringify(input.counts)}::jsonb,
      error = ${input.error}
    where id = ${id}`);
}

export async function getSweepRun(id: number) {
  const result = await getDb().execute(sql`select id, trigger, counts, duration_ms, error, started_at, ended_at from sweep_runs where id = ${id}`);
  return result.rows[0] as { id: number; trigger: string; counts: SweepCounts; duration_ms: number | null; error: string | null } | undefined;
}

// ── leases and cursors (trigger_cursors) ────────────────────────────────────────
// A lease row rather than a session advisory lock: serverless drivers and transaction
// poolers (Neon's pooled URL) give no session to hold a lock on across statements, and a
// lease also frees itself when its holder dies. Row: name = lease name, cursor = holder,
// updated_at = when the lease runs out.

/** Takes `name` for `ttlMs` if it is free or its lease ran out; true when this caller holds it. */
export async function acquireLease(name: string, holder: string, ttlMs: number): Promise<boolean> {
  const result = await getDb().execute(sql`
    insert into trigger_cursors (name, cursor, updated_at) values (${name}, ${holder}, now() + ${ttlMs} * interval '1 millisecond')
    on conflict (name) do update set cursor = excluded.cursor, updated_at = excluded.updated_at
      where trigger_cursors.updated_at < now() or trigger_cursors.cursor = ${holder}
    returning name`);
  return result.rows.length === 1;
}

/** Extends a held lease; false when another holder took it over (the caller must stop). */
export async function renewLease(name: string, holder: string, ttlMs: number): Promise<boolean> {
  const result = await getDb().execute(sql`
    update trigger_cursors set updated_at = now() + ${ttlMs} * interval '1 millisecond'
    where name = ${name} and cursor = ${holder} returning name`);
  return result.rows.length === 1;
}

export async function releaseLease(name: string, holder: string): Promise<void> {
  await getDb().execute(sql`delete from trigger_cursors where name = ${name} and cursor = ${holder}`);
}

export async function getCursor(name: string): Promise<string | null> {
  const result = await getDb().execute(sql`select cursor from trigger_cursors where name = ${name}`);
  return (result.rows[0] as { cursor: string | null } | undefined)?.cursor ?? null;
}

export async function setCursor(name: string, cursor: string | null): Promise<void> {
  await getDb().execute(sql`
    insert into trigger_cursors (name, cursor) values (${name}, ${cursor})
    on conflict (name) do update set cursor = excluded.cursor, updated_at = now()`);
}
