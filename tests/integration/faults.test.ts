// The deterministic subset of the chaos harness (bench/chaos.ts): each fault once, on a
// handful of uploads, in a world of processes this file owns (tests/helpers/faults-rig.ts).
// Every test waits on state (a row's status, a started job attempt, a held byte, the DLQ),
// never on a clock, and ends with the harness's promise: processed exactly once, nothing
// stuck, nothing lost.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { ChaosUser, UploadRecord } from "../../bench/chaos/clients";
import { jobMessagesEnded, objectSize, openMultipartSessions, states, type UploadState, upload, waitSettled, waitUntil } from "../helpers/faults-checks";
import { type FaultRig, startFaultRig } from "../helpers/faults-rig";

let rig: FaultRig;
let user: ChaosUser;

// QStash waits are a tenth of real ones: a job's whole retry budget is ~3 s instead of 31 s.
beforeAll(async () => {
  rig = await startFaultRig({ bucket: "biblio-faults", qstashTimeScale: 0.1 });
  user = await rig.api.signUp(`faults-${Date.now()}@biblio.test`, "faults-correct-horse");
}, 120_000);

afterAll(async () => {
  await rig?.stop();
});

// A test that failed while the app was down (or running with a fault setting) would fail every later one too.
afterEach(async () => {
  await rig?.restoreApp();
});

const ids = (records: UploadRecord[]) => records.map((r) => r.id!);

/** Job messages for these uploads that QStash gave up on (its DLQ). */
async function deadLettered(uploadIds: string[]): Promise<number> {
  const { messages } = await rig.qstash.dlq.listMessages();
  return messages.filter((m) => m.url.endsWith("/api/jobs/process") && uploadIds.some((id) => (m.body ?? "").includes(id))).length;
}

/** The promise itself: processed, one succeeded attempt and one `processed` event, bytes in place. */
async function expectProcessedOnce(records: UploadRecord[], settled: UploadState[]) {
  for (const rec of records) {
    const s = settled.find((x) => x.id === rec.id)!;
    expect({ id: s.id, status: s.status, succeeded: s.succeeded, processedEvents: s.processedEvents }, s.why ?? "").toEqual({
      id: rec.id,
      status: "processed",
      succeeded: 1,
      processedEvents: 1,
    });
    expect(await objectSize(rig, s.storageKey)).toBe(rec.size);
  }
}

describe("faults, each once (deterministic subset of bench/chaos.ts)", () => {
  it("clients that vanish after their last byte are processed once, single PUT and multipart", async () => {
    const records = await Promise.all([upload(rig, user, "vanish"), upload(rig, user, "vanish", "single", "mp3"), upload(rig, user, "vanish", "multipart")]);
    for (const r of records) expect(r.lastByteAt, r.error ?? "").not.toBeNull();
    const settled = await waitSettled(rig, ids(records));
    await expectProcessedOnce(records, settled);
    // The multipart one was completed by the server, not left for the 1-day abort.
    expect(await openMultipartSessions(rig, settled.find((s) => s.id === records[2]!.id)!.storageKey)).toBe(0);
  }, 120_000);

  it("two concurrent /complete calls get the same answer and one processing", async () => {
    const records = await Promise.all([upload(rig, user, "double"), upload(rig, user, "double", "multipart")]);
    for (const r of records) {
      expect(r.error).toBeNull();
      expect(r.completes.map((c) => c.status)).toEqual([200, 200]);
    }
    await expectProcessedOnce(records, await waitSettled(rig, ids(records)));
  }, 120_000);

  it("a multipart upload abandoned midway is aborted at its deadline, and its session is gone", async () => {
    const [rec] = await Promise.all([upload(rig, user, "abandon", "multipart")]);
    expect(rec!.id).not.toBeNull();
    expect(rec!.lastByteAt).toBeNull();
    // Its deadline is a day away: move it to now, which stands for that day passing.
    await rig.pool.query(`UPDATE uploads SET deadline_at = now() WHERE id = $1`, [rec!.id]);
    const [s] = await waitSettled(rig, [rec!.id!]);
    expect(["aborted", "expired"]).toContain(s!.status);
    expect(s!.succeeded).toBe(0);
    expect(await openMultipartSessions(rig, s!.storageKey)).toBe(0);
    expect(await objectSize(rig, s!.storageKey)).toBeNull();
  }, 120_000);

  it("duplicate deliveries of every job are processed once", async () => {
    await rig.killQstash();
    await rig.startQstash({ QSTASH_LOCAL_DUPLICATE_RATE: "1", QSTASH_LOCAL_DUPLICATE_MODE: "concurrent" });
    try {
      const records = await Promise.all([upload(rig, user, "normal"), upload(rig, user, "normal", "single", "mov")]);
      const settled = await waitSettled(rig, ids(records));
      await expectProcessedOnce(records, settled);
      // The switch did deliver twice: each upload saw at least two attempts.
      for (const s of settled) expect(s.attempts).toBeGreaterThanOrEqual(2);
    } finally {
      await rig.killQstash();
      await rig.startQstash();
    }
  }, 120_000);

  it("the app killed with -9 mid-job and down past the retry budget: the upload is still processed once", async () => {
    await rig.killApp();
    await rig.startApp({ FAULTS_APP_HOLD: "checksum" });
    const [rec] = await Promise.all([upload(rig, user, "normal")]);
    expect(rec!.error).toBeNull();
    // Mid-job for certain: the attempt is recorded as started and its checksum never returns.
    await waitUntil("a started job attempt", async () => (await states(rig, [rec!.id!]))[0]?.attempts);
    await rig.killApp();
    // Down until QStash has spent every retry on it and dead-lettered the job, so the
    // failure callback cannot reach the app either: only the sweep can recover it now.
    await waitUntil("the job in the DLQ", () => deadLettered([rec!.id!]));
    await waitUntil("its failure callback ended too", () => jobMessagesEnded(rig));
    await rig.startApp({});
    // Its lease (60 s) is still running: move it to the past, which stands for the wait
    // (at millisecond precision, like every lease the app writes and compares).
    await rig.pool.query(`UPDATE uploads SET lease_until = date_trunc('milliseconds', now()) - interval '5 minutes' WHERE id = $1 AND status = 'processing'`, [
      rec!.id,
    ]);
    await expectProcessedOnce([rec!], await waitSettled(rig, [rec!.id!]));
  }, 150_000);

  it("QStash killed with -9 and restarted loses no queued job", async () => {
    // Jobs wait in QStash's plan queues (paused), so the kill finds them there.
    const queues = ["biblio-free", "biblio-pro"];
    for (const q of queues) await rig.qstash.queue({ queueName: q }).pause();
    const records = await Promise.all([upload(rig, user, "normal"), upload(rig, user, "vanish"), upload(rig, user, "normal", "single", "mp3")]);
    await waitUntil("every job queued in QStash", async () => (await states(rig, ids(records))).every((s) => s.status === "queued"));
    await rig.killQstash();
    await rig.startQstash();
    for (const q of queues) await rig.qstash.queue({ queueName: q }).resume();
    await expectProcessedOnce(records, await waitSettled(rig, ids(records)));
  }, 120_000);

  it("QStash paused: uploads are confirmed, and processed once it resumes", async () => {
    const resume = rig.pauseQstash();
    let clients: Promise<UploadRecord[]> | undefined;
    try {
      clients = Promise.all([upload(rig, user, "normal"), upload(rig, user, "normal", "single", "mp3")]);
      // Confirmed (bytes checked, row `uploaded`) while the publish cannot get through.
      await waitUntil("both uploads confirmed while QStash is paused", async () => {
        const s = await rig.pool.query(
          `SELECT count(*)::int AS n FROM uploads WHERE owner_id = (SELECT id FROM "user" WHERE email = $1) AND status = 'uploaded'`,
          [user.email],
        );
        return s.rows[0].n >= 2;
      });
    } finally {
      resume();
    }
    const records = await clients!;
    await expectProcessedOnce(records, await waitSettled(rig, ids(records)));
  }, 150_000);

  it("the store paused: uploads wait, then finish and are processed once", async () => {
    const pause = rig.pauseStore();
    let clients: Promise<UploadRecord[]> | undefined;
    try {
      clients = Promise.all([upload(rig, user, "normal"), upload(rig, user, "vanish", "single", "mov")]);
      await waitUntil("both PUTs held by the paused store", async () => pause.held() >= 2);
    } finally {
      pause.resume();
    }
    const records = await clients!;
    for (const r of records) expect(r.lastByteAt, r.error ?? "").not.toBeNull();
    await expectProcessedOnce(records, await waitSettled(rig, ids(records)));
  }, 150_000);

  it("Postgres paused past the job retry budget: the jobs dead-letter, and the uploads are still processed once", async () => {
    const queues = ["biblio-free", "biblio-pro"];
    for (const q of queues) await rig.qstash.queue({ queueName: q }).pause();
    const records = await Promise.all([upload(rig, user, "normal"), upload(rig, user, "vanish", "single", "mp3")]);
    await waitUntil("both jobs queued", async () => (await states(rig, ids(records))).every((s) => s.status === "queued"));
    // Database calls give up after 1-2 s instead of 5-15 s (lib/env/schema.ts), so the
    // deliveries that meet the paused database use up their retries sooner.
    await rig.killApp();
    await rig.startApp({ DB_CONNECT_TIMEOUT_MS: "1000", DB_QUERY_TIMEOUT_MS: "2000" });
    const resume = rig.pausePostgres();
    try {
      for (const q of queues) await rig.qstash.queue({ queueName: q }).resume();
      // Every delivery meets the paused database until QStash gives the jobs up.
      await waitUntil("both jobs in the DLQ", async () => (await deadLettered(ids(records))) >= 2, 150_000);
      // And their failure callbacks, which need the database too, have run out as well.
      // Their retries back off (time-scaled) and each meets a 1-2 s database timeout: on a
      // loaded 2-core machine this took over 150 s once, so the wait is generous.
      await waitUntil("every job message ended", () => jobMessagesEnded(rig), 300_000);
    } finally {
      resume();
    }
    await rig.killApp();
    await rig.startApp({});
    // The sweep takes over `queued` rows older than 2 minutes: age them, standing for that wait.
    await rig.pool.query(`UPDATE uploads SET queued_at = date_trunc('milliseconds', now()) - interval '10 minutes' WHERE id = ANY($1) AND status = 'queued'`, [
      ids(records),
    ]);
    await expectProcessedOnce(records, await waitSettled(rig, ids(records)));
  }, 600_000);
});
