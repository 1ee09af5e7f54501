/**
 * Long jobs and the control plane (issues 13 and 14), on the real local stack (test
 * world: `BIBLIO_WORLD=test BIBLIO_TEST_SLOT=N`). Uploads one multi-GiB object through
 * the real routes, lets the worker checksum it in this process (the worker harness: real
 * local QStash server, signed process route), and meanwhile polls a cheap route (an
 * upload's status: session check + one query) every 100 ms in the same process.
 *
 *   npx tsx bench/long-job-bench.ts [--gib 2] [--budget-ms 5000] [--mode new|old|both] [--resumable-from BYTES]
 *
 * mode old: the checksum as it was before issue 13/14 (node:crypto over one GET, no
 * yielding, no budget), swapped in for the run; mode new: the shipped processor (hash-wasm,
 * yields every MiB, saves its state and continues in a new message past the budget).
 * Prints per mode: invocations, bytes per invocation, wall time, the poll's p50/p99/max.
 */
import "@/lib/db/node";
import { createHash } from "node:crypto";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { readRunningStack } from "@/dev/stack/stack";

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
};
const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
const SIZE = Math.round(Number(arg("gib", "2")) * GiB);
const BUDGET_MS = arg("budget-ms", "5000");
const MODES = arg("mode", "both") === "both" ? (["old", "new"] as const) : ([arg("mode", "new")] as ("old" | "new")[]);
const PART = 64 * MiB;

const running = readRunningStack();
if (!running) {
  console.error("No running stack: start one with `BIBLIO_WORLD=test BIBLIO_TEST_SLOT=N ./dev/up --no-app`.");
  process.exit(1);
}
Object.assign(process.env, running.env, { WORKER_INVOCATION_BUDGET_MS: BUDGET_MS, CHECKSUM_RESUMABLE_FROM_BYTES: arg("resumable-from", String(2 * GiB)) });
for (const value of [process.env.S3_ENDPOINT, process.env.POSTGRES_URL]) {
  if (!["127.0.0.1", "localhost"].includes(new URL(value!).hostname)) throw new Error("this benchmark only runs against a local stack");
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! : NaN;
};

/** The checksum as shipped before issues 13/14, for the "old" baseline. */
async function oldChecksum(ctx: any) {
  const { getS3 } = await import("@/lib/storage/s3-client");
  const { bucket, key, etag, size } = ctx.payload;
  const out = await getS3().send(new GetObjectCommand({ Bucket: bucket, Key: key, ...(etag ? { IfMatch: `"${etag}"` } : {}) }), { abortSignal: ctx.signal });
  const sha = createHash("sha256");
  let bytes = 0;
  for await (const chunk of out.Body as AsyncIterable<Uint8Array>) {
    sha.update(chunk);
    bytes += chunk.byteLength;
  }
  ctx.countBytes(bytes);
  if (bytes !== size) throw new Error("size changed");
  return { sha256: sha.digest("hex"), bytes, etagNotCompared: "multipart" };
}

async function main() {
  const { startWorkerHarness, waitFor } = await import("@/tests/helpers/worker-harness");
  const processRoute = await import("@/app/api/jobs/process/route");
  const failedRoute = await import("@/app/api/jobs/failed/route");
  const uploadsRoute = await import("@/app/api/uploads/route");
  const uploadRoute = await import("@/app/api/uploads/[id]/route");
  const partsRoute = await import("@/app/api/uploads/[id]/parts/route");
  const completeRoute = await import("@/app/api/uploads/[id]/complete/route");
  const { callRoute } = await import("@/tests/helpers/requests");
  const { createTestUser } = await import("@/tests/helpers/auth");
  const { ensureQueues } = await import("@/lib/queue/ensure-queues");
  const { getUploadById } = await import("@/lib/db/queries/uploads");
  const { listJobAttempts } = await import("@/lib/db/queries/job-attempts");
  const { CHECKSUM_PROCESSOR } = await import("@/lib/processors/checksum");
  const { closeDb } = await import("@/lib/db/client");

  const harness = await startWorkerHarness({ "/api/jobs/process": processRoute.POST, "/api/jobs/failed": failedRoute.POST }, { timeScale: 1 });
  await ensureQueues();
  const user = await createTestUser({ plan: "pro" });
  const realRun = CHECKSUM_PROCESSOR.run;
  const block = new Uint8Array(PART);
  for (let i = 0; i < block.length; i += 4) new DataView(block.buffer).setUint32(i, Math.imul(i, 2654435761) >>> 0);

  for (const mode of MODES) {
    CHECKSUM_PROCESSOR.run = mode === "old" ? oldChecksum : realRun;
    // Upload through the real routes: create, sign every part, PUT, complete.
    const created = await callRoute(uploadsRoute.POST, {
      method: "POST",
      cookie: user.cookie,
      body: {
        name: `long-${mode}.bin.mp4`,
        type: "video/mp4",
        size: SIZE,
        projectId: user.projectId,
        options: { checksum: true, sniff: false, probe: false, thumbnail: false, storyboard: false },
      },
    });
    if (created.status !== 201) throw new Error(`create: ${created.status} ${JSON.stringify(created.body)}`);
    const id = created.body.upload.id as string;
    const { partSize, partCount } = created.body.multipart;
    const expected = createHash("sha256");
    const t0 = Date.now();
    for (let first = 1; first <= partCount; first += 50) {
      const numbers = Array.from({ length: Math.min(50, partCount - first + 1) }, (_, i) => first + i);
      const signed = await callRoute(partsRoute.POST, { method: "POST", cookie: user.cookie, params: { id }, body: { partNumbers: numbers } });
      for (const part of signed.body.parts as { partNumber: number; url: string }[]) {
        const start = (part.partNumber - 1) * partSize;
        const length = Math.min(partSize, SIZE - start);
        const body = new Uint8Array(length);
        for (let o = 0; o < length; o += PART) body.set(block.subarray(0, Math.min(PART, length - o)), o);
        new DataView(body.buffer).setUint32(64, part.partNumber);
        // An MP4 signature up front, so confirm's type detection accepts the file.
        if (part.partNumber === 1) body.set([0, 0, 0, 0x20, ...new TextEncoder().encode("ftypisom")]);
        expected.update(body);
        const res = await fetch(part.url, { method: "PUT", body });
        if (res.status !== 200) throw new Error(`part ${part.partNumber}: ${res.status}`);
      }
    }
    console.log(`[${mode}] uploaded ${(SIZE / GiB).toFixed(2)} GiB in ${((Date.now() - t0) / 1000).toFixed(1)} s (${partCount} parts)`);

    const polls: number[] = [];
    const lags: number[] = [];
    let done = false;
    let failedPolls = 0;
    const completeRes = await callRoute(completeRoute.POST, { method: "POST", cookie: user.cookie, params: { id }, body: {} });
    if (completeRes.status !== 200) throw new Error(`complete: ${completeRes.status} ${JSON.stringify(completeRes.body)}`);
    await waitFor("processing to start", async () => (await getUploadById(id))?.status !== "queued", 60_000);
    const started = Date.now();
    const poller = (async () => {
      while (!done) {
        const a = performance.now();
        const res = await callRoute(uploadRoute.GET, { cookie: user.cookie, params: { id } });
        polls.push(performance.now() - a);
        if (res.status !== 200) failedPolls++;
        const b = performance.now();
        await new Promise((r) => setTimeout(r, 100));
        lags.push(performance.now() - b - 100);
      }
    })();
    const row = await waitFor(
      `${id} processed`,
      async () => {
        const r = await getUploadById(id).catch(() => null);
        return r && (r.status === "processed" || r.status === "failed") ? r : null;
      },
      30 * 60_000,
    );
    done = true;
    await poller;
    const wall = (Date.now() - started) / 1000;
    const jobs = await listJobAttempts(id);
    const sha = (row.result as any)?.checksum?.sha256;
    const continued = jobs.filter((j) => j.status === "continued");
    const offsets = [0, ...continued.map((j) => (j.result as any).offset as number), SIZE];
    const perInvocation = offsets.slice(1).map((o, i) => o - offsets[i]!);
    console.log(
      JSON.stringify({
        mode,
        status: row.status,
        sizeGiB: +(SIZE / GiB).toFixed(2),
        budgetMs: mode === "new" ? Number(BUDGET_MS) : null,
        resumableFromBytes: mode === "new" ? Number(process.env.CHECKSUM_RESUMABLE_FROM_BYTES) : null,
        sha256Matches: sha === expected.digest("hex"),
        invocations: jobs.filter((j) => j.status === "continued" || j.status === "succeeded").length,
        messages: new Set(jobs.map((j) => j.messageId)).size,
        mibPerInvocation: { min: Math.round(Math.min(...perInvocation) / MiB), max: Math.round(Math.max(...perInvocation) / MiB) },
        wallSeconds: +wall.toFixed(1),
        throughputMiBs: +(SIZE / MiB / wall).toFixed(1),
        statusPollMs: {
          n: polls.length,
          failed: failedPolls,
          p50: +pct(polls, 50).toFixed(1),
          p99: +pct(polls, 99).toFixed(1),
          max: +Math.max(...polls).toFixed(1),
        },
        eventLoopLagMs: { p50: +pct(lags, 50).toFixed(1), p99: +pct(lags, 99).toFixed(1), max: +Math.max(...lags).toFixed(1) },
      }),
    );
  }
  CHECKSUM_PROCESSOR.run = realRun;
  await harness.stop();
  await closeDb();
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
