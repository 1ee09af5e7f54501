import { finishSweepRun, getCursor, getUploadsByKeys, insertSweepRun, setCursor } from "@/lib/db/queries/sweep";
import { confirmUpload } from "@/lib/pipeline/confirm-upload";
import { listObjectPage } from "@/lib/storage/list-objects";
import { getBucket } from "@/lib/storage/s3-client";
import { isTriggerEnabled } from "@/lib/triggers/trigger-settings";
import { UPLOAD_KEY_PREFIX, uploadIdFromKey } from "@/lib/uploads/upload-id";
import { mapLimit } from "./map-limit";
import { takeLease } from "./sweep-lease";

const LEASE_TTL_MS = 60_000;
const DEFAULT_MAX_PAGES = 10;
const CONFIRM_CONCURRENCY = 4;

export type PollResult =
  | { status: "disabled" | "locked" }
  | { status: "done"; listed: number; confirmed: number; listCalls: number; cursor: string | null; runId: number | null };

/**
 * Pattern 4 as a trigger: lists keys after the persisted cursor and confirms pending
 * intents with `source = poll`. Keys embed a UUIDv7, so StartAfter walks arrivals in
 * creation order and an idle poll costs one list call. An upload created before one the
 * poller has already passed, whose bytes land later (a long multipart upload), is behind
 * the cursor: the sweep, which lists everything, is the backstop for it.
 * The cursor only moves past keys that were handled, so a failed confirm is retried.
 */
export async function runPoll(opts: { maxPages?: number } = {}): Promise<PollResult> {
  if (!isTriggerEnabled("poll")) return { status: "disabled" };
  const bucket = getBucket();
  const cursorName = `poll:${bucket}`;
  const lease = await takeLease(`lease:poll:${bucket}`, LEASE_TTL_MS);
  if (!lease) return { status: "locked" };
  const t0 = performance.now();
  let listed = 0;
  let confirmed = 0;
  let listCalls = 0;
  let runId: number | null = null;
  let cursor = await getCursor(cursorName);
  let error: string | null = null;
  try {
    for (let page = 0; page < (opts.maxPages ?? DEFAULT_MAX_PAGES); page++) {
      await lease.keepAlive();
      const { objects, next } = await listObjectPage({ prefix: UPLOAD_KEY_PREFIX, startAfter: cursor });
      listCalls++;
      if (!objects.length) break;
      // A key that is not a past UUIDv7 (a stray object, another tool's key) sorts anywhere:
      // stop before it, or the cursor would jump over uploads still to come.
      const stray = objects.findIndex((o) => !isArrivalOrdered(o.key));
      if (stray >= 0) objects.splice(stray);
      listed += objects.length;
      const rows = await getUploadsByKeys(
        bucket,
        objects.map((o) => o.key),
      );
      const pending = new Map(rows.filter((r) => r.status === "pending").map((r) => [r.storageKey, r]));
      const failed = new Set<string>();
      await mapLimit([...pending.values()], CONFIRM_CONCURRENCY, async (row) => {
        try {
          const out = await confirmUpload(row, "poll");
          if (out.outcome === "queued" || out.outcome === "uploaded") confirmed++;
        } catch (e) {
          failed.add(row.storageKey);
          error = e instanceof Error ? e.message : String(e);
        }
      });
      const firstFailed = objects.findIndex((o) => failed.has(o.key));
      const handled = firstFailed < 0 ? objects : objects.slice(0, firstFailed);
      if (handled.length) {
        cursor = handled[handled.length - 1]!.key;
        await setCursor(cursorName, cursor);
      }
      if (firstFailed >= 0 || stray >= 0 || !next) break;
    }
  } finally {
    // Idle polls are not recorded: at one a minute they would bury the sweep history.
    if (confirmed || error) {
      runId = await insertSweepRun("poll");
      await finishSweepRun(runId, { counts: { polled: listed, recovered: confirmed, list_calls: listCalls }, durationMs: performance.now() - t0, error });
    }
    await lease.release();
  }
  return { status: "done", listed, confirmed, listCalls, cursor, runId };
}

const CLOCK_SKEW_MS = 60_000;

/** True for keys whose upload id is a UUIDv7 minted in the past: those arrive in key order. */
export function isArrivalOrdered(key: string, now = Date.now()): boolean {
  const id = uploadIdFromKey(key);
  if (!id) return false;
  const hex = id.slice(4).replaceAll("-", "");
  if (hex[12] !== "7") return false;
  return Number.parseInt(hex.slice(0, 12), 16) <= now + CLOCK_SKEW_MS;
}
