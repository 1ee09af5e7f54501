// Integration: the admin overview's rollups (trigger-maintained counters in Postgres) against a
// full recount of the uploads table, through inserts, single- and multi-row updates and
// deletes, including rows in the partial 5-minute bucket at the start of a window.
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDb, getDb } from "@/lib/db/node";
import {
  firstWholeBucket,
  getConfirmationsByBucket,
  getLatencyHistogram,
  getProcessedByBucket,
  getProcessingLatency,
  getStatusCounts,
  getTriggerLatency,
  getWindowCounters,
  type LatencyKind,
} from "@/lib/db/queries/admin-stats";
import { countUploadsByStatus } from "@/lib/db/queries/admin-uploads";
import { UPLOAD_SOURCES } from "@/lib/db/schema";
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

const TRIGGER_KINDS = UPLOAD_SOURCES.flatMap((s) => [`trigger:${s}`, `trigger-upper:${s}`] as LatencyKind[]);

/**
 * Latency samples straight from uploads and their timeline (the landing time as the earliest
 * one any `uploaded` event recorded), not from uploads.landed_at or the histogram table.
 */
const recountSamples = () => sql`
  select case when l.t is not null then 'trigger:' else 'trigger-upper:' end || u.source as kind, u.uploaded_at as at,
    extract(epoch from u.uploaded_at - coalesce(l.t, u.created_at)) * 1000 as ms
  from uploads u left join lateral (
    select min(upload_landing_time(e.detail)) as t from upload_events e where e.upload_id = u.id and e.type = 'uploaded'
  ) l on true
  where u.source is not null and u.uploaded_at >= ${since.toISOString()}::timestamptz
  union all
  select 'processing', processed_at, extract(epoch from processed_at - uploaded_at) * 1000
  from uploads where processed_at >= ${since.toISOString()}::timestamptz and uploaded_at is not null`;

async function recountHistogram(chartSeconds: number | null) {
  const at = chartSeconds === null ? sql`null::timestamptz` : sql`date_bin(make_interval(secs => ${chartSeconds}), at, ${ORIGIN})`;
  const r = await rows<{ at: string | null; kind: string; bin: number; n: number }>(sql`
    select ${at} as at, kind, upload_latency_bin(ms * interval '1 millisecond') as bin, count(*)::int as n from (${recountSamples()}) x group by 1, 2, 3`);
  return r.map((x) => `${x.at === null ? "-" : new Date(x.at).toISOString()} ${x.kind} ${x.bin} ${x.n}`).sort();
}

async function expectHistogramsMatchRecount() {
  for (const chartSeconds of [300, 3600, 21600, null]) {
    const hist = (await getLatencyHistogram(since, ["processing", ...TRIGGER_KINDS], chartSeconds))
      .map((r) => `${r.at === null ? "-" : r.at.toISOString()} ${r.kind} ${r.bin} ${r.n}`)
      .sort();
    expect(hist, `latency histogram per ${chartSeconds ?? "window"}`).toEqual(await recountHistogram(chartSeconds));
  }
}

async function expectRollupsMatchRecount() {
  await expectHistogramsMatchRecount();
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

  it("count trigger latency from the earliest landing time of each upload's uploaded events, exactly", async () => {
    await newOwner();
    await seed(300, 3000);
    const id = (g: number) => `upl_${tag}-${g}`;
    const uploaded = await rows<{ id: string; g: number }>(
      sql`select id, substr(id, length(id) - 3)::int as g from uploads where owner_id = ${owner.id} and uploaded_at is not null order by id`,
    );
    expect(uploaded.length).toBeGreaterThan(50);
    // Most confirmations record a landing time (each key the triggers write), some none at all.
    const keys = ["bytesAt", "lastModified", "objectLastModified", "eventTime"];
    await db().execute(sql`
      insert into upload_events (upload_id, type, source, detail)
      select u.id, 'uploaded', u.source, jsonb_build_object((${sql.param(keys)}::text[])[1 + k.g % 4], to_char((u.uploaded_at - (k.g % 90) * interval '1 second') at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
      from uploads u join lateral (select substr(u.id, length(u.id) - 3)::int as g) k on true
      where u.owner_id = ${owner.id} and u.uploaded_at is not null and k.g % 5 <> 0`);
    await expectRollupsMatchRecount();

    const [first, second, third] = uploaded.filter((u) => u.g % 5 !== 0);
    // A later event with an earlier landing time wins; a malformed one neither fails nor counts.
    await db().execute(sql`insert into upload_events (upload_id, type, source, detail) values
      (${first!.id}, 'uploaded', 'poll', jsonb_build_object('bytesAt', to_char((now() - interval '3 days') at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))),
      (${second!.id}, 'uploaded', 'poll', '{"bytesAt": "2026-13-45T99:00:00Z"}'::jsonb),
      (${second!.id}, 'queued', 'poll', '{"bytesAt": "2020-01-01T00:00:00Z"}'::jsonb)`);
    const [landed] = await rows<{ a: string; b: string | null }>(sql`
      select (select landed_at from uploads where id = ${first!.id})::text as a,
        (select landed_at from uploads where id = ${second!.id}) = (select min(upload_landing_time(detail)) from upload_events where upload_id = ${second!.id} and type = 'uploaded') as b`);
    expect(new Date(landed!.a).getTime()).toBeLessThan(Date.now() - 2 * DAY);
    expect(landed!.b).toBe(true);
    // Rows move between sources and windows, and go away.
    await db().execute(sql`update uploads set source = 'sweep', uploaded_at = uploaded_at - interval '7 hours' where id = ${third!.id}`);
    await db().execute(sql`delete from uploads where id = ${id(3005)}`);
    await expectRollupsMatchRecount();

    const latency = await getTriggerLatency(since);
    const exact = await rows<{ kind: string; n: number; p50: number | null; p95: number | null }>(sql`
      select kind, count(*)::int as n, percentile_disc(0.5) within group (order by greatest(ms, 0)) as p50, percentile_disc(0.95) within group (order by greatest(ms, 0)) as p95
      from (${recountSamples()}) x where kind <> 'processing' group by 1`);
    for (const l of latency) {
      const mine = exact.filter((e) => e.kind.endsWith(`:${l.source}`));
      expect(l.samples, l.source).toBe(mine.reduce((n, e) => n + e.n, 0));
      expect(l.exactSamples, l.source).toBe(mine.find((e) => e.kind === `trigger:${l.source}`)?.n ?? 0);
    }
    // Percentiles over a single source's samples, recounted, are within a bin of the exact ones.
    const [poll] = await rows<{ p50: number; p95: number }>(sql`
      select percentile_disc(0.5) within group (order by greatest(ms, 0)) as p50, percentile_disc(0.95) within group (order by greatest(ms, 0)) as p95
      from (${recountSamples()}) x where kind like '%:poll'`);
    const pollLatency = latency.find((l) => l.source === "poll")!;
    expect(Math.abs(pollLatency.p50Ms! - Number(poll!.p50))).toBeLessThanOrEqual(0.045 * Math.max(Number(poll!.p50), 1) + 0.5);
    expect(Math.abs(pollLatency.p95Ms! - Number(poll!.p95))).toBeLessThanOrEqual(0.045 * Math.max(Number(poll!.p95), 1) + 0.5);
  });

  it("start a window's first whole bucket on a 5-minute edge at or after its start", () => {
    const whole = firstWholeBucket(since);
    expect(whole.getTime() % 300_000).toBe(0);
    expect(whole.getTime()).toBeGreaterThan(since.getTime());
    expect(whole.getTime() - since.getTime()).toBeLessThan(300_000);
    expect(firstWholeBucket(whole).getTime()).toBe(whole.getTime());
  });
});
