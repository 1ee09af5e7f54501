import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import * as failedRoute from "@/app/api/jobs/failed/route";
import * as processRoute from "@/app/api/jobs/process/route";
import * as completeRoute from "@/app/api/uploads/[id]/complete/route";
import * as partsRoute from "@/app/api/uploads/[id]/parts/route";
import * as uploadsRoute from "@/app/api/uploads/route";
import { bodyHash, signJwt } from "@/dev/qstash/signature";
import { QSTASH_DEV_USER } from "@/dev/stack/local-defaults";
import { loadChecksumCheckpoint } from "@/lib/db/queries/checksum-progress";
import { listJobAttempts } from "@/lib/db/queries/job-attempts";
import { getUploadById, listUploadEvents, transitionUpload, type UploadRow } from "@/lib/db/queries/uploads";
import { getEnv } from "@/lib/env";
import { replayUpload } from "@/lib/jobs/replay-upload";
import { jobPayloadFor } from "@/lib/pipeline/confirm-upload";
import { CHECKSUM_PROCESSOR } from "@/lib/processors/checksum";
import { ensureQueues } from "@/lib/queue/ensure-queues";
import { getQstash } from "@/lib/queue/qstash-client";
import { deleteObject, headObject } from "@/lib/storage/objects";
import { createTestUser, type TestUser } from "../helpers/auth";
import { failFirstAttempts, failPermanently, holdAtGate } from "../helpers/processor-faults";
import { callRoute } from "../helpers/requests";
import { startWorkerHarness, type WorkerHarness, waitFor } from "../helpers/worker-harness";

// Both checksum paths run here: the small fixtures take the fast (node:crypto) one, the
// multi-MiB files the resumable (hash-wasm, saved state) one. Read when getEnv() first runs.
process.env.CHECKSUM_RESUMABLE_FROM_BYTES = String(4 * 1024 * 1024);

const FIXTURES = join(import.meta.dirname, "../fixtures");
const fixture = (name: string): Uint8Array<ArrayBuffer> => new Uint8Array(readFileSync(join(FIXTURES, name)));
const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
const PROCESS_PATH = "/api/jobs/process";

let harness: WorkerHarness;
let free: TestUser;
let pro: TestUser;
let other: TestUser;

beforeAll(async () => {
  harness = await startWorkerHarness({ [PROCESS_PATH]: processRoute.POST, "/api/jobs/failed": failedRoute.POST });
  await ensureQueues();
  [free, pro, other] = await Promise.all([createTestUser(), createTestUser({ plan: "pro" }), createTestUser()]);
});

afterAll(async () => {
  await harness?.stop();
});

afterEach(() => {
  vi.restoreAllMocks();
});

/** Create → PUT the bytes → create upload; returns the upload id without completing. */
async function put(user: TestUser, name: string, type: string, bytes: Uint8Array<ArrayBuffer>, options?: Record<string, boolean>): Promise<string> {
  const created = await callRoute(uploadsRoute.POST, {
    method: "POST",
    cookie: user.cookie,
    body: { name, type, size: bytes.length, projectId: user.projectId, ...(options ? { options } : {}) },
  });
  expect(created.status).toBe(201);
  if (created.body.strategy === "multipart") {
    const { partSize, partCount } = created.body.multipart;
    const numbers = Array.from({ length: partCount }, (_, i) => i + 1);
    const signed = await callRoute(partsRoute.POST, {
      method: "POST",
      cookie: user.cookie,
      params: { id: created.body.upload.id },
      body: { partNumbers: numbers },
    });
    for (const part of signed.body.parts as { partNumber: number; url: string }[]) {
      const res = await fetch(part.url, { method: "PUT", body: bytes.slice((part.partNumber - 1) * partSize, part.partNumber * partSize) });
      expect(res.status).toBe(200);
    }
  } else {
    const res = await fetch(created.body.put.url, { method: "PUT", headers: created.body.put.headers, body: bytes });
    expect(res.status).toBe(200);
  }
  return created.body.upload.id as string;
}

async function complete(user: TestUser, id: string) {
  const res = await callRoute(completeRoute.POST, { method: "POST", cookie: user.cookie, params: { id }, body: {} });
  expect(res.status).toBe(200);
  return res;
}

async function settled(id: string, timeoutMs = 15_000): Promise<UploadRow> {
  return waitFor(
    `${id} to be processed or failed`,
    async () => {
      const row = await getUploadById(id);
      return row && (row.status === "processed" || row.status === "failed") ? row : null;
    },
    timeoutMs,
  );
}

/** Confirms an upload to `uploaded` without publishing, so a test can deliver by hand. */
async function uploadedOnly(user: TestUser, name: string, type: string, bytes: Uint8Array<ArrayBuffer>): Promise<UploadRow> {
  const id = await put(user, name, type, bytes);
  const row = await getUploadById(id);
  const head = await headObject(row!.storageKey);
  const up = await transitionUpload({
    id,
    from: ["pending"],
    to: "uploaded",
    set: { realType: type, realSize: bytes.length, etag: head!.etag, source: "client" },
    event: { type: "uploaded", source: "client" },
  });
  return up!;
}

/** Sends a delivery to the process route the way QStash does, signed (or not) as asked. */
async function deliver(
  body: string,
  opts: {
    messageId?: string;
    retried?: number;
    key?: string;
    nowMs?: number;
    signedBody?: string;
    url?: string;
    signature?: string | null;
    path?: string;
  } = {},
) {
  const path = opts.path ?? PROCESS_PATH;
  const url = opts.url ?? `${harness.appUrl}${path}`;
  const signature =
    opts.signature === null
      ? undefined
      : (opts.signature ?? signJwt(opts.key ?? QSTASH_DEV_USER.currentSigningKey, url, bodyHash(Buffer.from(opts.signedBody ?? body)), opts.nowMs));
  return callRoute(path === PROCESS_PATH ? processRoute.POST : failedRoute.POST, {
    method: "POST",
    path,
    rawBody: body,
    headers: {
      ...(signature ? { "upstash-signature": signature } : {}),
      "upstash-message-id": opts.messageId ?? `msg_test_${Math.random().toString(36).slice(2)}`,
      "upstash-retried": String(opts.retried ?? 0),
    },
  });
}

const MEDIA = [
  {
    file: "sample.mp4",
    type: "video/mp4",
    probe: { container: "MP4", duration: 2.0, videoCodec: "h264", width: 320, height: 240, frameRate: 25, audioCodec: "aac", sampleRate: 48000, channels: 2 },
  },
  {
    file: "sample.webm",
    type: "video/webm",
    probe: { container: "WebM", duration: 2.0, videoCodec: "vp9", width: 320, height: 240, frameRate: 25, audioCodec: "opus", sampleRate: 48000, channels: 2 },
  },
  {
    file: "sample.mov",
    type: "video/quicktime",
    probe: {
      container: "QuickTime",
      duration: 2.0,
      videoCodec: "h264",
      width: 320,
      height: 240,
      frameRate: 25,
      audioCodec: "aac",
      sampleRate: 48000,
      channels: 2,
    },
  },
  {
    file: "sample.mp3",
    type: "audio/mpeg",
    probe: {
      container: "MPEG Audio",
      duration: 2.0,
      videoCodec: null,
      width: null,
      height: null,
      frameRate: null,
      audioCodec: "mp3",
      sampleRate: 44100,
      channels: 1,
    },
  },
] as const;

describe("end to end from /complete", () => {
  it.each(MEDIA)("processes $file with the right checksum and probe values", async ({ file, type, probe }) => {
    const bytes = fixture(file);
    const id = await put(free, file, type, bytes);
    await complete(free, id);
    const row = await settled(id);
    expect(row.status, row.failureReason ?? "").toBe("processed");
    const result = row.result as any;
    expect(result.checksum.sha256).toBe(sha256(bytes));
    expect(result.checksum.md5).toBe(createHash("md5").update(bytes).digest("hex"));
    expect(result.checksum.etagMatches).toBe(true);
    expect(result.sniff.mime).toBe(type);
    const { duration, ...exact } = probe;
    expect(Math.abs(result.probe.duration - duration)).toBeLessThanOrEqual(0.05);
    expect(result.probe).toMatchObject(exact);
    expect(result.probe.bitrate).toBeGreaterThan(0);
    const events = (await listUploadEvents(id)).map((e) => e.type);
    expect(events.filter((t) => t === "processed")).toHaveLength(1);
    expect(events.indexOf("processing")).toBeGreaterThan(events.indexOf("uploaded"));
    const jobs = await listJobAttempts(id);
    expect(jobs.map((j) => [j.attempt, j.status])).toEqual([[0, "succeeded"]]);
    // The recorded duration is the attempt's own span, not a constant or a null.
    const span = jobs[0]!.endedAt!.getTime() - jobs[0]!.startedAt.getTime();
    expect(Math.abs(jobs[0]!.durationMs! - span)).toBeLessThanOrEqual(1);
    expect(jobs[0]!.queue).toBe("biblio-free");
  });

  it("probes images and PDFs without failing them", async () => {
    const png = await put(free, "pic.png", "image/png", fixture("sample.png"));
    const pdf = await put(free, "doc.pdf", "application/pdf", fixture("sample.pdf"));
    await Promise.all([complete(free, png), complete(free, pdf)]);
    const [pngRow, pdfRow] = await Promise.all([settled(png), settled(pdf)]);
    expect(pngRow.status).toBe("processed");
    expect((pngRow.result as any).probe).toMatchObject({ container: "PNG", width: 64, height: 48, duration: null });
    expect(pdfRow.status).toBe("processed");
    expect((pdfRow.result as any).probe).toMatchObject({ container: "PDF", videoCodec: null });
    expect((pdfRow.result as any).sniff.mime).toBe("application/pdf");
  });

  it("reports the real type of a file whose extension lies", async () => {
    const id = await put(free, "holiday.mov", "video/quicktime", fixture("lying-extension.mov"));
    await complete(free, id);
    const row = await settled(id);
    expect(row.status).toBe("processed");
    expect((row.result as any).sniff.mime).toBe("video/webm");
    expect((row.result as any).probe).toMatchObject({ container: "WebM", videoCodec: "vp9", audioCodec: "opus" });
  });

  it("records that a multipart ETag cannot be compared", async () => {
    const bytes = new Uint8Array(17 * 1024 * 1024);
    bytes.set([0, 0, 0, 0x20, ...new TextEncoder().encode("ftypisom")]);
    const id = await put(free, "big.mp4", "video/mp4", bytes, { checksum: true, sniff: true, probe: false, thumbnail: false, storyboard: false });
    await complete(free, id);
    const row = await settled(id, 30_000);
    expect(row.status).toBe("processed");
    expect((row.result as any).checksum).toEqual({ sha256: sha256(bytes), bytes: bytes.length, etagNotCompared: "multipart (4 parts)" });
    expect((row.result as any).probe).toBeUndefined();
  });
});

describe("signature verification", () => {
  it("rejects missing, forged, tampered, expired and wrong-URL signatures, and processes nothing", async () => {
    const row = await uploadedOnly(free, "sig.mp4", "video/mp4", fixture("sample.mp4"));
    const body = JSON.stringify(jobPayloadFor(row));
    const other = JSON.stringify({ ...jobPayloadFor(row), size: 1 });
    const cases = {
      missing: await deliver(body, { signature: null }),
      forged: await deliver(body, { key: "sig_not_the_real_key_at_all" }),
      tampered: await deliver(other, { signedBody: body }),
      expired: await deliver(body, { nowMs: Date.now() - 10 * 60_000 }),
      wrongUrl: await deliver(body, { url: "https://evil.example/api/jobs/process" }),
      garbage: await deliver(body, { signature: "not.a.jwt" }),
    };
    expect(cases.missing.status).toBe(401);
    for (const [name, res] of Object.entries(cases)) {
      expect([401, 403], name).toContain(res.status);
      expect(res.body.error.code, name).toMatch(/unauthorized|forbidden/);
    }
    expect((await getUploadById(row.id))!.status).toBe("uploaded");
    expect(await listJobAttempts(row.id)).toHaveLength(0);

    // The control: the same body, properly signed, is processed.
    const ok = await deliver(body);
    expect(ok.status).toBe(200);
    expect((await getUploadById(row.id))!.status).toBe("processed");
  });

  it("refuses a signed payload whose bucket or key disagree with its row, and records it on the upload", async () => {
    const row = await uploadedOnly(free, "target.mp4", "video/mp4", fixture("sample.mp4"));
    const victim = await uploadedOnly(other, "victim.mp4", "video/mp4", fixture("sample.mp4"));
    const forged = { ...jobPayloadFor(row), key: victim.storageKey };
    const res = await deliver(JSON.stringify(forged));
    expect(res.status).toBe(489);
    expect(res.headers.get("upstash-nonretryable-error")).toBe("true");
    expect(res.body.error.code).toBe("payload_mismatch");
    const otherBucket = await deliver(JSON.stringify({ ...jobPayloadFor(row), bucket: "some-other-bucket" }));
    expect(otherBucket.body.error.code).toBe("payload_mismatch");
    const events = (await listUploadEvents(row.id)).filter((e) => e.type === "job_rejected");
    expect(events.map((e) => (e.detail as any).fields)).toEqual([["key"], ["bucket"]]);
    // Neither upload was read or changed; the honest message still processes its own upload.
    expect((await getUploadById(row.id))!.status).toBe("uploaded");
    expect((await getUploadById(victim.id))!.status).toBe("uploaded");
    expect(await listJobAttempts(victim.id)).toHaveLength(0);
    const ok = await deliver(JSON.stringify(jobPayloadFor(row)));
    expect(ok.body.status).toBe("processed");
  });

  it("refuses a signed but invalid payload as non-retryable", async () => {
    const res = await deliver(JSON.stringify({ v: 2, uploadId: "upl_x" }));
    expect(res.status).toBe(489);
    expect(res.headers.get("upstash-nonretryable-error")).toBe("true");
    const notJson = await deliver("{nope");
    expect(notJson.status).toBe(489);
  });
});

describe("idempotency", () => {
  it("a duplicate delivery of a processed job changes nothing", async () => {
    const bytes = fixture("sample.mp4");
    const id = await put(free, "dup.mp4", "video/mp4", bytes);
    await complete(free, id);
    const row = await settled(id);
    const again = await deliver(JSON.stringify(jobPayloadFor(row)), { messageId: row.qstashMessageId! });
    expect(again.status).toBe(200);
    expect(again.body.status).toBe("skipped");
    const after = await getUploadById(id);
    expect(after!.result).toEqual(row.result);
    expect(after!.processedAt).toEqual(row.processedAt);
    expect((await listUploadEvents(id)).filter((e) => e.type === "processed")).toHaveLength(1);
    expect((await listJobAttempts(id)).map((j) => j.status)).toEqual(["succeeded", "skipped"]);
  });

  it("two concurrent messages for one upload produce one result", async () => {
    const row = await uploadedOnly(free, "race.mp4", "video/mp4", fixture("sample.mp4"));
    const body = JSON.stringify(jobPayloadFor(row));
    const answers = await Promise.all([deliver(body, { messageId: "msg_a" }), deliver(body, { messageId: "msg_b" }), deliver(body, { messageId: "msg_a" })]);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(answers.filter((a) => a.body.status === "processed")).toHaveLength(1);
    expect((await listUploadEvents(row.id)).filter((e) => e.type === "processed")).toHaveLength(1);
    const jobs = await listJobAttempts(row.id);
    expect(jobs.filter((j) => j.status === "succeeded")).toHaveLength(1);
    expect(jobs.filter((j) => j.status === "skipped")).toHaveLength(2);
  });

  it("takes over an upload whose worker died (lease expired), and leaves a live lease alone", async () => {
    const row = await uploadedOnly(free, "lease.mp4", "video/mp4", fixture("sample.mp4"));
    const body = JSON.stringify(jobPayloadFor(row));
    const live = await transitionUpload({
      id: row.id,
      from: ["uploaded"],
      to: "processing",
      set: { leaseUntil: new Date(Date.now() + 60_000) },
      event: { type: "processing", source: "worker" },
    });
    const blocked = await deliver(body, { messageId: "msg_other" });
    expect(blocked.body.status).toBe("skipped");
    expect((await getUploadById(row.id))!.status).toBe("processing");
    // The holder dies: its lease runs out.
    await transitionUpload({
      id: row.id,
      from: ["processing"],
      to: "processing",
      lease: live!.leaseUntil,
      set: { leaseUntil: new Date(Date.now() - 1000) },
      event: { type: "test_lease_expired", source: "test" },
    });
    const taken = await deliver(body, { messageId: "msg_other" });
    expect(taken.body.status).toBe("processed");
    const types = (await listUploadEvents(row.id)).map((e) => e.type);
    expect(types).toContain("lease_taken_over");
  });
});

describe("failures", () => {
  it("retries a temporary failure: fails twice, succeeds on the third attempt, one result", async () => {
    failFirstAttempts("probe", 2);
    const id = await put(free, "flaky.mp4", "video/mp4", fixture("sample.mp4"));
    await complete(free, id);
    const row = await settled(id);
    expect(row.status).toBe("processed");
    const jobs = await listJobAttempts(id);
    expect(jobs.map((j) => [j.attempt, j.status])).toEqual([
      [0, "failed"],
      [1, "failed"],
      [2, "succeeded"],
    ]);
    expect(new Set(jobs.map((j) => j.messageId)).size).toBe(1);
    expect(jobs[0]!.error).toMatch(/Injected fault: probe fails attempt 0\./);
    const types = (await listUploadEvents(id)).map((e) => e.type);
    expect(types.filter((t) => t === "retry_scheduled")).toHaveLength(2);
    expect(types.filter((t) => t === "processed")).toHaveLength(1);
    const responses = harness.deliveries.filter((d) => d.messageId === jobs[0]!.messageId).map((d) => d.status);
    expect(responses).toEqual([503, 503, 200]);
  });

  it("fails a truncated MP4 permanently: no retries, failed with the reason, a DLQ entry", async () => {
    const id = await put(free, "cut.mp4", "video/mp4", fixture("truncated.mp4"));
    await complete(free, id);
    const row = await waitFor("the DLQ id", async () => {
      const r = await getUploadById(id);
      return r?.status === "failed" && r.dlqId ? r : null;
    });
    expect(row.failureReason).toBe("The media file is truncated: it ends before its own structure says it should.");
    const jobs = await listJobAttempts(id);
    expect(jobs.map((j) => [j.attempt, j.status])).toEqual([[0, "failed"]]);
    const dlq = await getQstash().dlq.listMessages();
    const entry = dlq.messages.find((m) => m.dlqId === row.dlqId);
    expect(entry?.messageId).toBe(jobs[0]!.messageId);
    expect(entry?.responseStatus).toBe(489);
    const types = (await listUploadEvents(id)).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(["failed", "dead_lettered"]));
    expect(harness.deliveries.filter((d) => d.messageId === jobs[0]!.messageId)).toHaveLength(1);
  });

  it("fails permanently when the stored bytes are not what was confirmed, or are gone", async () => {
    const swapped = await uploadedOnly(free, "swap.mp4", "video/mp4", fixture("sample.png"));
    const res = await deliver(JSON.stringify(jobPayloadFor(swapped)));
    expect(res.status).toBe(489);
    expect(res.headers.get("upstash-nonretryable-error")).toBe("true");
    expect(res.body.error.message).toBe("The file was accepted as video/mp4 but its contents are image/png.");
    const row = await getUploadById(swapped.id);
    expect(row!.status).toBe("failed");
    expect(row!.failureReason).toBe(res.body.error.message);

    const gone = await uploadedOnly(free, "gone.mp4", "video/mp4", fixture("sample.mp4"));
    await deleteObject(gone.storageKey);
    const goneRes = await deliver(JSON.stringify(jobPayloadFor(gone)));
    expect(goneRes.status).toBe(489);
    expect((await getUploadById(gone.id))!.failureReason).toBe("The stored file no longer exists.");
  });

  it("marks an upload failed when its retries ran out, and ignores a callback for a superseded message", async () => {
    const row = await uploadedOnly(free, "tired.mp4", "video/mp4", fixture("sample.mp4"));
    await transitionUpload({ id: row.id, from: ["uploaded"], to: "queued", set: { qstashMessageId: "msg_tired" }, event: { type: "queued", source: "test" } });
    const lastResponse = { error: { code: "unavailable", message: "Processing hit a temporary error and will be retried." } };
    const callbackFor = (messageId: string) =>
      JSON.stringify({
        status: 503,
        body: Buffer.from(JSON.stringify(lastResponse)).toString("base64"),
        retried: 5,
        maxRetries: 5,
        sourceMessageId: messageId,
        sourceBody: Buffer.from(JSON.stringify(jobPayloadFor(row))).toString("base64"),
        dlqId: "dlq_test_1",
      });
    const stale = await deliver(callbackFor("msg_older"), { path: "/api/jobs/failed" });
    expect(stale.status).toBe(200);
    expect(stale.body.status).toBe("ignored");
    expect((await getUploadById(row.id))!.status).toBe("queued");

    const forged = await deliver(callbackFor("msg_tired"), { path: "/api/jobs/failed", key: "sig_wrong" });
    expect(forged.status).toBe(403);
    expect((await getUploadById(row.id))!.status).toBe("queued");

    const res = await deliver(callbackFor("msg_tired"), { path: "/api/jobs/failed" });
    expect(res.status).toBe(200);
    const failed = await getUploadById(row.id);
    expect(failed!.status).toBe("failed");
    expect(failed!.dlqId).toBe("dlq_test_1");
    expect(failed!.failureReason).toBe("Processing failed after 6 attempts (last: Processing hit a temporary error and will be retried.).");
  });

  it("replays a failed upload to processed under a new dedup id", async () => {
    const fault = failPermanently("probe");
    const id = await put(free, "replay.mp4", "video/mp4", fixture("sample.mp4"));
    await complete(free, id);
    const failed = await waitFor("the DLQ id", async () => {
      const r = await getUploadById(id);
      return r?.status === "failed" && r.dlqId ? r : null;
    });
    expect(failed.failureReason).toMatch(/Injected fault/);
    fault.restore();

    const replayed = await replayUpload(id, { actorId: "admin-test" });
    expect(replayed.replay).toBe(1);
    expect(replayed.messageId).toBeTruthy();
    const row = await settled(id);
    expect(row.status).toBe("processed");
    expect(row.failureReason).toBeNull();
    expect((row.result as any).checksum.sha256).toBe(sha256(fixture("sample.mp4")));
    const dlq = await getQstash().dlq.listMessages();
    expect(dlq.messages.find((m) => m.dlqId === failed.dlqId)).toBeUndefined();
    await expect(replayUpload(id)).rejects.toThrow(/this one is processed/);
  });
});

describe("jobs longer than one invocation", () => {
  it("saves the hash state when the budget runs out and finishes in later messages, never from byte 0", async () => {
    // Every delivery's budget is already spent when it starts: each hashes one slice
    // (~1 MiB), saves its state and hands over to a new message.
    const real = CHECKSUM_PROCESSOR.run;
    const budgets: (number | undefined)[] = [];
    vi.spyOn(CHECKSUM_PROCESSOR, "run").mockImplementation((ctx) => {
      // The worker hands every processor its delivery's deadline (WORKER_INVOCATION_BUDGET_MS).
      budgets.push(ctx.deadline === undefined ? undefined : ctx.deadline - Date.now());
      return real({ ...ctx, deadline: Date.now() });
    });
    const bytes = new Uint8Array(6 * 1024 * 1024);
    for (let i = 0; i < bytes.length; i += 4096) bytes[i] = (i / 4096) % 251;
    bytes.set([0, 0, 0, 0x20, ...new TextEncoder().encode("ftypisom")]);
    const id = await put(free, "long.mp4", "video/mp4", bytes, { checksum: true, sniff: true, probe: false, thumbnail: false, storyboard: false });
    await complete(free, id);
    const row = await settled(id, 60_000);
    expect(row.status, row.failureReason ?? "").toBe("processed");
    const checksum = (row.result as any).checksum;
    expect(checksum.sha256).toBe(sha256(bytes));
    expect(checksum.md5).toBe(createHash("md5").update(bytes).digest("hex"));
    expect(checksum.etagMatches).toBe(true);
    expect(checksum.resumedFrom).toBeGreaterThan(0);

    // The attempt row is finished just after the upload turns processed: wait for it.
    const jobs = await waitFor("the succeeded attempt", async () => {
      const all = await listJobAttempts(id);
      return all.some((j) => j.status === "succeeded") ? all : null;
    });
    const continued = jobs.filter((j) => j.status === "continued");
    expect(continued.length).toBeGreaterThanOrEqual(2);
    expect(jobs.filter((j) => j.status === "succeeded")).toHaveLength(1);
    // Each continuation is a new message that starts with its full retry budget, and
    // each one resumed further along: progress is never lost.
    expect(new Set(jobs.map((j) => j.messageId)).size).toBe(jobs.length);
    const offsets = continued.map((j) => (j.result as any).offset as number);
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
    expect(new Set(offsets).size).toBe(offsets.length);
    // Bytes read in all: the file once, not once per invocation.
    const readPerAttempt = jobs.filter((j) => j.status === "succeeded").map((j) => (j.result as any).bytesRead.checksum as number);
    expect(readPerAttempt[0]).toBe(bytes.length - checksum.resumedFrom);
    const types = (await listUploadEvents(id)).map((e) => e.type);
    expect(types.filter((t) => t === "continued")).toHaveLength(continued.length);
    expect(types.filter((t) => t === "processed")).toHaveLength(1);
    expect(await loadChecksumCheckpoint(id, row.etag!)).toBeNull();
    const budgetMs = getEnv().WORKER_INVOCATION_BUDGET_MS;
    for (const left of budgets) {
      expect(left).toBeGreaterThan(0);
      expect(left).toBeLessThanOrEqual(budgetMs);
    }
  }, 90_000);
});

describe("plan priority", () => {
  it("a pro upload is processed while a free backlog is held up", async () => {
    // Every free job waits at a gate: the free queue cannot drain until the test opens it.
    // If pro jobs shared the free queue (or its slots), the pro upload would wait too.
    const gate = holdAtGate("checksum", (ctx) => ctx.payload.plan === "free");
    try {
      const bytes = fixture("sample.mp3");
      const backlog = await Promise.all(Array.from({ length: 8 }, (_, i) => put(free, `b${i}.mp3`, "audio/mpeg", bytes)));
      const proId = await put(pro, "p.mp3", "audio/mpeg", bytes);
      await Promise.all(backlog.map((id) => complete(free, id)));
      await waitFor("a free job to reach the gate", async () => gate.entered.length > 0);
      await complete(pro, proId);

      const proRow = await settled(proId);
      expect(proRow.status).toBe("processed");
      expect((await listJobAttempts(proId))[0]!.queue).toBe("biblio-pro");
      const freeRows = await Promise.all(backlog.map((id) => getUploadById(id)));
      expect(freeRows.filter((r) => r!.status === "processed")).toHaveLength(0);
      gate.open();
      const done = await Promise.all(backlog.map((id) => settled(id, 30_000)));
      expect(done.map((r) => r.status)).toEqual(backlog.map(() => "processed"));
    } finally {
      gate.open();
    }
  }, 60_000);
});
