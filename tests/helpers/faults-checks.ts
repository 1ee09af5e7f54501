// What the fault tests wait on and assert: the rig's own database and bucket, read the
// same way the chaos harness audits a run (bench/chaos/audit.ts).
import { HeadObjectCommand, ListMultipartUploadsCommand } from "@aws-sdk/client-s3";
import { TERMINAL } from "../../bench/chaos/audit";
import { type Behaviour, type ChaosUser, runClient, type Strategy, type UploadRecord } from "../../bench/chaos/clients";
import { type MediaKind, MULTIPART_SIZE, makeMedia } from "../../bench/chaos/media";
import { FINAL_STATES, type MsgState } from "../../dev/qstash/model";
import type { FaultRig } from "./faults-rig";

export type UploadState = {
  id: string;
  status: string;
  source: string | null;
  succeeded: number;
  attempts: number;
  processedEvents: number;
  storageKey: string;
  /** Why it failed or was rejected, and the last job attempt's error: what a failing test prints. */
  why: string | null;
};

let counter = 0;

/** One scripted client (bench/chaos/clients.ts) through the rig's HTTP API. */
export function upload(rig: FaultRig, user: ChaosUser, behaviour: Behaviour, strategy: Strategy = "single", kind: MediaKind = "mp4"): Promise<UploadRecord> {
  const index = counter++;
  const file = makeMedia(kind, `fault-${index}`, strategy === "multipart" ? MULTIPART_SIZE : 0);
  return runClient(rig.api, { index, strategy, behaviour, kind, user }, file);
}

export async function states(rig: FaultRig, ids: string[]): Promise<UploadState[]> {
  const { rows } = await rig.pool.query(
    `SELECT u.id, u.status, u.source, u.storage_key, coalesce(u.failure_reason, u.reject_reason) AS reason,
            (SELECT j.error FROM jobs j WHERE j.upload_id = u.id AND j.error IS NOT NULL ORDER BY j.id DESC LIMIT 1) AS job_error,
            (SELECT count(*) FROM jobs j WHERE j.upload_id = u.id AND j.status = 'succeeded')::int AS succeeded,
            (SELECT count(*) FROM jobs j WHERE j.upload_id = u.id)::int AS attempts,
            (SELECT count(*) FROM upload_events e WHERE e.upload_id = u.id AND e.type = 'processed')::int AS processed_events
       FROM uploads u WHERE u.id = ANY($1) ORDER BY u.id`,
    [ids],
  );
  return rows.map((r) => ({
    id: r.id,
    status: r.status,
    source: r.source,
    storageKey: r.storage_key,
    succeeded: r.succeeded,
    attempts: r.attempts,
    processedEvents: r.processed_events,
    why: [r.reason, r.job_error].filter(Boolean).join("; ") || null,
  }));
}

/**
 * Waits until every upload is in a terminal state, publishing a sweep through QStash every
 * `sweepEveryMs` meanwhile (the schedule, shortened), then until QStash has nothing in
 * flight, so a late duplicate delivery is counted too. Returns the final states.
 */
export async function waitSettled(rig: FaultRig, ids: string[], opts: { timeoutMs?: number; sweepEveryMs?: number } = {}): Promise<UploadState[]> {
  const end = Date.now() + (opts.timeoutMs ?? 90_000);
  const sweepEvery = opts.sweepEveryMs ?? 3_000;
  let nextSweep = Date.now() + sweepEvery;
  let last: UploadState[] = [];
  for (;;) {
    last = await states(rig, ids).catch(() => last);
    if (last.length === ids.length && last.every((s) => TERMINAL.has(s.status))) break;
    if (Date.now() > end) {
      throw new Error(`not settled in time: ${JSON.stringify(last.map((s) => ({ id: s.id, status: s.status, attempts: s.attempts, why: s.why })))}`);
    }
    if (Date.now() >= nextSweep) {
      nextSweep = Date.now() + sweepEvery;
      await rig.sweep().catch(() => undefined);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const { waitForQstashIdle } = await import("../../dev/qstash/idle");
  await waitForQstashIdle(rig.qstashUrl, rig.qstashToken, { timeoutMs: 30_000, stableMs: 300 });
  return states(rig, ids);
}

/** Polls `probe` until it returns something truthy: a signal to wait on, never a clock. */
export async function waitUntil<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => null);
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** True once QStash has nothing in flight, due or waiting for a retry: every message has ended. */
/**
 * No message to the app's job routes (deliveries and their failure callbacks) is left to run
 * in the rig's QStash. Other messages may still be retrying: a storage event that met the app
 * down backs off for minutes (its third retry waits 180 s even at a tenth of real time), and
 * it says nothing about the job's recovery path.
 */
export async function jobMessagesEnded(rig: FaultRig): Promise<boolean> {
  const url = new URL("/_local/messages?limit=5000", rig.qstashUrl);
  const res = await fetch(url, { headers: { Authorization: `Bearer ${rig.qstashToken}` }, signal: AbortSignal.timeout(5_000) });
  if (!res.ok) return false;
  const { messages } = (await res.json()) as { messages: { url: string; state: string }[] };
  return messages.every((m) => !new URL(m.url).pathname.startsWith("/api/jobs/") || FINAL_STATES.has(m.state as MsgState));
}

export async function objectSize(rig: FaultRig, key: string): Promise<number | null> {
  try {
    const head = await rig.s3.send(new HeadObjectCommand({ Bucket: rig.bucket, Key: key }));
    return head.ContentLength ?? null;
  } catch {
    return null;
  }
}

export async function openMultipartSessions(rig: FaultRig, key: string): Promise<number> {
  const page = await rig.s3.send(new ListMultipartUploadsCommand({ Bucket: rig.bucket, Prefix: key }));
  return page.Uploads?.length ?? 0;
}

export { TERMINAL };
