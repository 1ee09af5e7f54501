// Integration: the admin Triggers page's query module against real Postgres. Confirmations
// per source, duplicates and zombies must equal a recount of the database; duplicates come
// from the real storage-event handler meeting uploads another source already confirmed.
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countDuplicateTriggers, getTriggerStats } from "@/lib/admin/trigger-stats";
import { closeDb, getDb } from "@/lib/db/node";
import { UPLOAD_SOURCES } from "@/lib/db/schema";
import { getBucket } from "@/lib/storage/s3-client";
import { handleStorageEvents } from "@/lib/storage-events/handle-storage-events";
import { createTestUser, type TestUser } from "../helpers/auth";

const db = () => getDb();
let owner: TestUser;
let tag: string;

async function rows<T>(query: ReturnType<typeof sql>): Promise<T[]> {
  return (await db().execute(query)).rows as T[];
}

/** Uploads of this test's owner, confirmed by each source in turn a few minutes ago, plus expired and aborted intents. */
async function seed(n: number) {
  await db().execute(sql`
    insert into uploads (id, owner_id, project_id, plan, bucket, storage_key, s3_upload_id, name, safe_name, declared_type, declared_size,
      status, source, real_size, created_at, uploaded_at, expired_at, aborted_at, deadline_at)
    select 'upl_' || ${tag} || '-' || g, ${owner.id}, ${owner.projectId}, 'pro', ${getBucket()}, 'uploads/' || ${tag} || '-' || g || '/f.mp4',
      case when g % 6 = 5 then 'mp-' || g end, 'f.mp4', 'f.mp4', 'video/mp4', 1000,
      (array['queued','queued','queued','queued','expired','aborted'])[1 + g % 6],
      case when g % 6 < 4 then (array['client','storage-event','sweep','poll'])[1 + g % 6] end,
      case when g % 6 < 4 then 1000 end,
      now() - interval '20 minutes',
      case when g % 6 < 4 then now() - interval '10 minutes' + g * interval '1 second' end,
      case when g % 6 = 4 then now() - interval '5 minutes' end,
      case when g % 6 = 5 then now() - interval '5 minutes' end,
      now() + interval '1 day'
    from generate_series(1, ${n}::int) g`);
  // The landing time each confirmation recorded (uploads.landed_at follows it): 0.2–4 s before.
  await db().execute(sql`
    insert into upload_events (upload_id, type, source, detail, at)
    select id, 'uploaded', source, jsonb_build_object('bytesAt', to_char((uploaded_at - (200 + abs(hashtext(id)) % 3800) * interval '1 millisecond') at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')), uploaded_at
    from uploads where owner_id = ${owner.id} and source is not null`);
}

const keysOf = async (source: string) =>
  (await rows<{ storage_key: string }>(sql`select storage_key from uploads where owner_id = ${owner.id} and source = ${source} order by id`)).map(
    (r) => r.storage_key,
  );

beforeAll(async () => {
  owner = await createTestUser({ plan: "pro" });
  tag = owner.id.slice(0, 8).toLowerCase();
});

afterAll(async () => {
  await db().execute(sql`delete from "user" where id = ${owner.id}`);
  await closeDb();
});

describe("admin trigger stats", () => {
  it("record a storage event that finds its upload already confirmed as a duplicate, and nothing for an unknown key", async () => {
    await seed(60);
    const before = await countDuplicateTriggers(new Date(Date.now() - 60_000));
    const clientKeys = await keysOf("client");
    const event = (key: string) => ({ kind: "created" as const, bucket: getBucket(), key, size: 1000, etag: "e", name: "ObjectCreated:Put", at: null });
    const out = await handleStorageEvents([...clientKeys.map(event), event(`uploads/${tag}-unknown/x.mp4`)]);
    expect(out.filter((o) => o.outcome === "unchanged")).toHaveLength(clientKeys.length);
    const after = await countDuplicateTriggers(new Date(Date.now() - 60_000));
    expect((after["storage-event"] ?? 0) - (before["storage-event"] ?? 0)).toBe(clientKeys.length);
    const [mine] = await rows<{ n: number }>(
      sql`select count(*)::int as n from upload_events e join uploads u on u.id = e.upload_id where u.owner_id = ${owner.id} and e.type = 'duplicate_trigger'`,
    );
    expect(mine!.n).toBe(clientKeys.length);
  });

  it("equal a recount of the database: confirmations per source, duplicates, expired and aborted intents", async () => {
    const now = new Date();
    const since = new Date(now.getTime() - 3_600_000);
    const stats = await getTriggerStats("1h", now);
    const at = sql`${since.toISOString()}::timestamptz`;
    const bySource = await rows<{ source: string; n: number }>(
      sql`select source, count(*)::int as n from uploads where source is not null and uploaded_at >= ${at} and uploaded_at <= ${now.toISOString()}::timestamptz group by source`,
    );
    for (const s of UPLOAD_SOURCES) {
      expect(stats.sources.find((x) => x.source === s)!.confirmed, s).toBe(bySource.find((r) => r.source === s)?.n ?? 0);
    }
    expect(stats.confirmed).toBe(bySource.reduce((n, r) => n + r.n, 0));
    expect(stats.recoveries).toEqual({
      "storage-event": bySource.find((r) => r.source === "storage-event")?.n ?? 0,
      sweep: bySource.find((r) => r.source === "sweep")?.n ?? 0,
      poll: bySource.find((r) => r.source === "poll")?.n ?? 0,
    });
    const [dups] = await rows<{ n: number }>(sql`select count(*)::int as n from upload_events where type = 'duplicate_trigger' and at >= ${at}`);
    expect(stats.duplicates).toBe(dups!.n);
    expect(stats.duplicates).toBeGreaterThanOrEqual(10);
    const [z] = await rows<{ expired: number; aborted_multipart: number }>(sql`
      select (select count(*)::int from uploads where expired_at >= ${at}) as expired,
        (select count(*)::int from uploads where aborted_at >= ${at} and s3_upload_id is not null) as aborted_multipart`);
    expect(stats.zombies.expired).toBe(z!.expired);
    expect(stats.zombies.abortedMultipart).toBe(z!.aborted_multipart);
    expect(stats.zombies.expired).toBeGreaterThanOrEqual(10);
  });

  it("give last byte → confirmed percentiles per source within a histogram bin (4.5 %) of the exact ones", async () => {
    const now = new Date();
    const since = new Date(now.getTime() - 3_600_000);
    const stats = await getTriggerStats("1h", now);
    for (const source of UPLOAD_SOURCES) {
      const s = stats.sources.find((x) => x.source === source)!;
      const [exact] = await rows<{ n: number; p50: number | null; p99: number | null }>(sql`
        select count(*)::int as n,
          percentile_disc(0.5) within group (order by extract(epoch from uploaded_at - landed_at) * 1000) as p50,
          percentile_disc(0.99) within group (order by extract(epoch from uploaded_at - landed_at) * 1000) as p99
        from uploads where source = ${source} and landed_at is not null and uploaded_at >= ${since.toISOString()}::timestamptz and uploaded_at <= ${now.toISOString()}::timestamptz`);
      expect(s.samples, source).toBe(exact!.n);
      expect(s.samples, source).toBeGreaterThan(0);
      for (const [approx, value] of [
        [s.p50Ms, exact!.p50],
        [s.p99Ms, exact!.p99],
      ] as const) {
        expect(approx).not.toBeNull();
        expect(Math.abs(approx! - Number(value)), `${source}: ${approx} vs ${value}`).toBeLessThanOrEqual(Number(value) * 0.045 + 0.5);
      }
    }
  });

  it("count duplicates from the partial index, not a scan of every timeline event", async () => {
    const plan = await db().transaction(async (tx) => {
      await tx.execute(sql`set local enable_seqscan = off`);
      const r = await tx.execute<{ "QUERY PLAN": string }>(
        sql`explain select source, count(*) from upload_events where type = 'duplicate_trigger' and at >= now() - interval '1 hour' group by source`,
      );
      return r.rows.map((x) => x["QUERY PLAN"]).join("\n");
    });
    expect(plan).toContain("upload_events_duplicate_at_idx");
  });
});
