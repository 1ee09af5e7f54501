import { ListMultipartUploadsCommand } from "@aws-sdk/client-s3";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import * as completeRoute from "@/app/api/uploads/[id]/complete/route";
import * as partsRoute from "@/app/api/uploads/[id]/parts/route";
import * as uploadsRoute from "@/app/api/uploads/route";
import { getDb } from "@/lib/db/client";
import { getUploadsByIds, listUploadEvents } from "@/lib/db/queries/uploads";
import { getBucket, getS3 } from "@/lib/storage/s3-client";
import { mapLimit } from "@/lib/sweep/map-limit";
import { runSweep } from "@/lib/sweep/run-sweep";
import { createTestUser, type TestUser } from "../helpers/auth";
import { callRoute } from "../helpers/requests";
import { type Harness, startHarness, waitFor, waitForQuiet } from "../helpers/trigger-harness";
import { overrideTriggers } from "../helpers/trigger-override";

/** Stated seed: the same 200 uploads fall in the same groups on every run. */
const SEED = 20260101;
const COUNT = 200;
// A PNG signature and the IHDR chunk header: enough for the type detector.
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52, ...new Array(120).fill(3)]);

function mulberry32(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Kind = "complete" | "no-complete" | "complete-twice" | "abandoned-multipart";

let h: Harness;
let users: TestUser[];

beforeAll(async () => {
  h = await startHarness({ bucket: "biblio-nets-scenario", topicName: "biblio-nets-scenario" });
  users = await Promise.all([createTestUser(), createTestUser({ plan: "pro" })]);
  await h.enableNotifications();
  overrideTriggers(["client", "storage-event", "sweep"]);
});

afterAll(async () => {
  overrideTriggers(undefined);
  await h?.stop();
});

it(`seed ${SEED}: ${COUNT} uploads, 20% never complete, 5% complete twice, 5% abandon multipart → each arrived upload queued exactly once`, {
  timeout: 120_000,
}, async () => {
  const random = mulberry32(SEED);
  // Exact shares, shuffled by the seed.
  const kinds: Kind[] = [
    ...Array<Kind>(COUNT * 0.2).fill("no-complete"),
    ...Array<Kind>(COUNT * 0.05).fill("complete-twice"),
    ...Array<Kind>(COUNT * 0.05).fill("abandoned-multipart"),
  ];
  while (kinds.length < COUNT) kinds.push("complete");
  for (let i = kinds.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [kinds[i], kinds[j]] = [kinds[j]!, kinds[i]!];
  }

  const done = await mapLimit(kinds, 8, async (kind) => {
    const user = users[Math.floor(random() * users.length)]!;
    const multipart = kind === "abandoned-multipart";
    const created = await callRoute(uploadsRoute.POST, {
      method: "POST",
      cookie: user.cookie,
      body: {
        projectId: user.projectId,
        name: multipart ? "big.mp4" : "p.png",
        type: multipart ? "video/mp4" : "image/png",
        size: multipart ? 17 * 1024 * 1024 : PNG.length,
      },
    });
    expect(created.status).toBe(201);
    const id: string = created.body.upload.id;
    if (multipart) {
      // One 5 MiB part, then the tab "closes": never completed.
      const signed = await callRoute(partsRoute.POST, { method: "POST", cookie: user.cookie, params: { id }, body: { partNumbers: [1] } });
      const res = await fetch(signed.body.parts[0].url, { method: "PUT", body: new Uint8Array(created.body.multipart.partSize) });
      expect(res.status).toBe(200);
      return { id, kind, key: created.body.upload.key as string };
    }
    const res = await fetch(created.body.put.url, { method: "PUT", headers: created.body.put.headers, body: PNG });
    expect(res.status).toBe(200);
    const calls = kind === "complete" ? 1 : kind === "complete-twice" ? 2 : 0;
    for (let c = 0; c < calls; c++) {
      const out = await callRoute(completeRoute.POST, { method: "POST", cookie: user.cookie, params: { id }, body: {} });
      expect(out.status).toBe(200);
    }
    return { id, kind, key: created.body.upload.key as string };
  });

  const arrived = done.filter((u) => u.kind !== "abandoned-multipart");
  const abandoned = done.filter((u) => u.kind === "abandoned-multipart");
  // Time passes for the abandoned sessions (their delayed parts checks run out); then one sweep reconciles everything.
  await waitForQuiet(h);
  await getDb().execute(sql`update uploads set deadline_at = now() - interval '1 minute' where id = any(${sql.param(abandoned.map((u) => u.id))}::text[])`);
  const sweep = await runSweep({ trigger: "manual" });
  expect(sweep.status).toBe("done");

  const rows = await getUploadsByIds(done.map((u) => u.id));
  const byId = new Map(rows.map((r) => [r.id, r]));
  for (const u of arrived) expect(["queued", "processing", "processed"]).toContain(byId.get(u.id)?.status);
  for (const u of abandoned) expect(byId.get(u.id)?.status).toBe("expired");
  expect(rows.filter((r) => r.status === "pending")).toHaveLength(0);

  const events = await mapLimit(arrived, 8, async (u) => (await listUploadEvents(u.id)).map((e) => e.type));
  for (const types of events) {
    expect(types.filter((t) => t === "uploaded")).toHaveLength(1);
    expect(types.filter((t) => t === "queued")).toHaveLength(1);
  }
  // Exactly one job reached the worker per arrived upload.
  // Only this run's uploads: the sweep rightly re-publishes `queued` rows earlier runs left
  // in the shared test database (this harness's stand-in worker never moves them on).
  const mine = new Set(done.map((u) => u.id));
  const jobsForMine = () =>
    h.deliveries
      .filter((d) => d.path === "/api/jobs/process")
      .map((d) => JSON.parse(d.body).uploadId as string)
      .filter((id) => mine.has(id));
  await waitFor("all jobs delivered", async () => jobsForMine().length >= arrived.length, 30_000);
  // Settled: nothing in flight, due or waiting, so a duplicate job would already be counted.
  await waitForQuiet(h);
  const jobs = jobsForMine();
  expect(jobs.length).toBe(arrived.length);
  expect(new Set(jobs)).toEqual(new Set(arrived.map((u) => u.id)));

  const open = await getS3().send(new ListMultipartUploadsCommand({ Bucket: getBucket(), Prefix: "uploads/" }));
  expect(open.Uploads ?? []).toHaveLength(0);

  const sources: Record<string, number> = {};
  for (const r of rows) sources[r.source ?? "none"] = (sources[r.source ?? "none"] ?? 0) + 1;
  console.log(`[scenario] seed ${SEED}: sources ${JSON.stringify(sources)}; sweep ${JSON.stringify(sweep.status === "locked" ? sweep : sweep.counts)}`);
});
