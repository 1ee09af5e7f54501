// Integration: the admin overview's rollups (trigger-maintained counters in Postgres) against a
// full recount of the uploads table, through inserts, single- and multi-row updates and
// deletes, including rows in the partial 5-minute bucket at the start of a window.
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDb, getDb } from "@/lib/db/node";
import {
  firstWholeBucket,
  getConfirmationsByBucket,
  getProcessedByBucket,
  getProcessingLatency,
  getStatusCounts,
  getWindowCounters,
} from "@/lib/db/queries/admin-stats";
import { countUploadsByStatus } from "@/lib/db/queries/admin-uploads";
import { createTestUser, type TestUser } from "../helpers/auth";

const DAY = 86_400_000;
const ORIGIN = sql.raw(`timestamptz '2000-01-01 00:00:00+00'`);
const db = () => getDb();
let owner: TestUser;
let tag: string;
const owners: TestUser[] = [];

async function newOwner() {
  owner = await createTestUser({ plan: "pro" });
  owners.push(owner);
  tag = owner.id.slice(0, 8).toLowerCase();
}

/** A window start that is not on a 5-minute edge, with rows placed inside its partial first bucket. */
const since = new Date(Math.floor((Date.now() - DAY) / 300_000) * 300_000 + 123_457);
const inPartialBucket = new Date(since.getTime() + 60_000);

async function rows<T>(query: ReturnType<typeof sql>): Promise<T[]> {
  return (await db().execute(query)).rows as T[];
}

// The overview's figures computed straight from uploads, as the queries did before rollups.
async function recountConfirmations(bucketSeconds: number) {
  const r = await rows<{ at: string; source: string; files: number; bytes: string }>(sql`
    select date_bin(make_interval(secs => ${bucketSeconds}), uploaded_at, ${ORIGIN}) as at, source, count(*)::int as files, coalesce(sum(real_size), 0)::bigint as bytes
    from uploads where source is not null and uploaded_at >= ${since.toISOString()}::timestamptz group by 1, 2`);
  return r.map((x) => `${new Date(x.at).toISOString()} ${x.source} ${x.files} ${Number(x.bytes)}`).sort();
}

async function recountProcessed(bucketSeconds: number) {
  const r = await rows<{ at: string; files: number; bytes: string }>(sql`
    select date_bin(make_interval(secs => ${bucketSeconds}), processed_at, ${ORIGIN}) as at, count(*)::int as files, coalesce(sum(real_size), 0)::bigint as bytes
    from uploads where processed_at >= ${since.toISOString()}::timestamptz group by 1`);
  return r.map((x) => `${new Date(x.at).toISOString()} ${x.files} ${Number(x.bytes)}`).sort();
}

async function recountWindow() {
  const at = sql`${since.toISOString()}::timestamptz`;
  const [r] = await rows<{ expired: number; aborted: number; aborted_multipart: number }>(sql`
    select (select count(*)::int from uploads where expired_at >= ${at}) as expired,
      (select count(*)::int from uploads where aborted_at >= ${at}) as aborted,
      (select count(*)::int from uploads where aborted_at >= ${at} and s3_upload_id is not null) as aborted_multipart`);
  return r!;
}

async function exactLatency(p: number) {
  const [r] = await rows<{ v: number | null }>(sql`
    select percentile_disc(${p}) within group (order by extract(epoch from processed_at - uploaded_at) * 1000) as v
    from uploads where processed_at >= ${since.toISOString()}::timestamptz and uploaded_at is not null`);
  return r?.v === null || r?.v === undefined ? null : Number(r.v);
}

async function expectRollupsMatchRecount() {
  expect(await getStatusCounts()).toEqual(await countUploadsByStatus());
  for (const bucketSeconds of [300, 3600, 21600]) {
    const confirmations = (await getConfirmationsByBucket(since, bucketSeconds)).map((b) => `${b.at.toISOString()} ${b.source} ${b.files} ${b.bytes}`).sort();
    expect(confirmations, `confirmations per ${bucketSeconds} s`).toEqual(await recountConfirmations(bucketSeconds));
    const processed = (await getProcessedByBucket(since, bucketSeconds)).map((b) => `${b.at.toISOString()} ${b.files} ${b.bytes}`).sort();
    expect(processed, `processed per ${bucketSeconds} s`).toEqual(await recountProcessed(bucketSeconds));
  }
  const counters = await getWindowCounters(since);
  const recount = await recountWindow();
  expect({ expired: counters.expired, aborted: counters.aborted, abortedMultipart: counters.abortedMultipart }).toEqual({
    expired: recount.expired,
    aborted: recount.aborted,
    abortedMultipart: recount.aborted_multipart,
  });
}

/** Inserts `n` uploads of this test's user in one statement, spread over the last two days. */
async function seed(n: number, offset: number) {
  await db().execute(sql`
    insert into uploads (id, owner_id, project_id, plan, bucket, storage_key, s3_upload_id, name, safe_name, declared_type, declared_size,
      status, source, real_size, created_at, uploaded_at, processed_at, expired_at, aborted_at, deadline_at)
    select 'upl_' || ${tag} || '-' || g, ${owner.id}, ${owner.projectId}, 'pro', 'b', ${tag} || '/' || g, case when g % 2 = 0 then 'mp-' || g end,
      'f' || g, 'f' || g, 'video/mp4', 1000 + g,
      (array['pending','uploaded','processed','expired','aborted'])[1 + g % 5],
      case when g % 5 in (1, 2) then (array['client','storage-event','sweep','poll'])[1 + g % 4] end,
      case when g % 5 in (1, 2) then 1000 + g end,
      t - interval '10 minutes',
      case when g % 5 in (1, 2) then t end,
      case when g % 5 = 2 then t + (g * 37 % 5000) * interval '1 millisecond' end,
      case when g % 5 = 3 then t end,
      case when g % 5 = 4 then t end,
      now() + interval '1 day'
    from (select g, case when g % 7 = 0 then ${inPartialBucket.toISOString()}::timestamptz else now() - (g * 4111 % 172800) * interval '1 second' end as t
          from generate_series(${offset}::int, ${offset + n - 1}::int) g) s`);
}

beforeAll(newOwner);

afterAll(async () => {
  for (const o of owners) await db().execute(sql`delete from "user" where id = ${o.id}`);
  await closeDb();
});

describe("overview rollups", () => {
  it("equal a full recount after a bulk insert", async () => {
    await seed(400, 1);
    await expectRollupsMatchRecount();
  });

  it("follow single-row and multi-row updates, including ones that change nothing they count", async () => {
    const id = (g: number) => `upl_${tag}-${g}`;
    // pending → uploaded (a confirmation appears), then → processed (processed appears, latency binned).
    await db().execute(
      sql`update uploads set status = 'uploaded', source = 'sweep', real_size = 77, uploaded_at = now() - interval '3 hours' where id = ${id(5)}`,
    );
    await db().execute(sql`update uploads set status = 'processed', processed_at = now() - interval '2 hours' where id = ${id(5)}`);
    // Many rows at once, moving between buckets and sources.
    await db().execute(
      sql`update uploads set processed_at = uploaded_at + interval '42 seconds', status = 'processed' where owner_id = ${owner.id} and status = 'uploaded'`,
    );
    await db().execute(sql`update uploads set source = 'poll', real_size = real_size * 3 where owner_id = ${owner.id} and source = 'client'`);
    await db().execute(
      sql`update uploads set aborted_at = ${inPartialBucket.toISOString()}::timestamptz, status = 'aborted' where owner_id = ${owner.id} and status = 'pending'`,
    );
    await db().execute(sql`update uploads set name = name || '-renamed' where owner_id = ${owner.id}`);
    await expectRollupsMatchRecount();
  });

  it("follow deletes, row by row and by cascade", async () => {
    await db().execute(sql`delete from uploads where owner_id = ${owner.id} and status = 'expired' and declared_size % 3 = 0`);
    await seed(50, 1000);
    await expectRollupsMatchRecount();
    await db().execute(sql`delete from projects where id = ${owner.projectId}`);
    await expectRollupsMatchRecount();
  });

  it("give processing-latency percentiles within a histogram bin (4.5 %) of the exact ones", async () => {
    await newOwner();
    await seed(300, 2000);
    const latency = await getProcessingLatency(since);
    const [n] = await rows<{ n: number }>(
      sql`select count(*)::int as n from uploads where processed_at >= ${since.toISOString()}::timestamptz and uploaded_at is not null`,
    );
    expect(latency.samples).toBe(n!.n);
    for (const [p, approx] of [
      [0.5, latency.p50Ms],
      [0.95, latency.p95Ms],
    ] as const) {
      const exact = await exactLatency(p);
      expect(exact).not.toBeNull();
      expect(approx).not.toBeNull();
      // Rounding to whole ms adds up to half a millisecond on top of the bin's width.
      expect(Math.abs(approx! - exact!)).toBeLessThanOrEqual(0.045 * Math.max(exact!, 1) + 0.5);
    }
  });

  it("start a window's first whole bucket on a 5-minute edge at or after its start", () => {
    const whole = firstWholeBucket(since);
    expect(whole.getTime() % 300_000).toBe(0);
    expect(whole.getTime()).toBeGreaterThan(since.getTime());
    expect(whole.getTime() - since.getTime()).toBeLessThan(300_000);
    expect(firstWholeBucket(whole).getTime()).toBe(whole.getTime());
  });
});
