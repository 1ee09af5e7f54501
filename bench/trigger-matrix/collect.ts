// One phase's measurements: what the meters saw between `from` and `to`, and what the
// database says became of each upload.
import type { Pool } from "@neondatabase/serverless";
import { classifyS3, type PhaseResult, qstashMessages, S3_KINDS, type S3Kind } from "./report";
import type { MatrixWorld } from "./world-setup";

export type PhaseUpload = { id: string | null; behaviour: string; lastByteAt: number | null };

export async function collectPhase(input: {
  pool: Pool;
  world: MatrixWorld;
  from: number;
  to: number;
  triggers: string;
  uploads: PhaseUpload[];
  dbRoundTrips: number;
}): Promise<PhaseResult> {
  const { pool, world, from, to } = input;
  const inWindow = <T extends { at: number }>(xs: T[]) => xs.filter((h) => h.at >= from && h.at <= to);
  const ids = input.uploads.flatMap((u) => (u.id ? [u.id] : []));
  const { rows } = await pool.query(
    `SELECT u.id, u.status, u.source, u.storage_key, extract(epoch FROM u.processed_at) * 1000 AS processed_ms,
            (SELECT count(*) FROM jobs j WHERE j.upload_id = u.id AND j.status = 'succeeded')::int AS succeeded,
            (SELECT count(*) FROM upload_events e WHERE e.upload_id = u.id AND e.type = 'processed')::int AS processed_events
       FROM uploads u WHERE u.id = ANY($1)`,
    [ids],
  );
  const byId = new Map(rows.map((r) => [r.id as string, r]));
  const idByKey = new Map(rows.map((r) => [r.storage_key as string, r.id as string]));

  // Worker deliveries, as the app's front door saw them.
  const firstDelivery = new Map<string, number>();
  const arrivals = new Map<string, number>();
  const bump = (id: string | undefined) => id && arrivals.set(id, (arrivals.get(id) ?? 0) + 1);
  for (const h of inWindow(world.front.hits)) {
    if (h.path === "/api/jobs/process") {
      const id = safeJson(h.reqBody)?.uploadId as string | undefined;
      if (id && !firstDelivery.has(id)) firstDelivery.set(id, h.at);
    } else if (h.path === "/api/storage-events" && input.triggers.includes("storage-event")) {
      for (const m of (h.reqBody ?? "").matchAll(/"key"\s*:\s*"([^"]+)"/g)) bump(idByKey.get(decodeURIComponent(m[1]!)));
    } else if (input.triggers.includes("client")) {
      const m = /^\/api\/uploads\/([^/]+)\/complete$/.exec(h.path);
      if (m && h.method === "POST") bump(m[1]);
    }
  }
  for (const r of rows) if (r.source === "poll" || r.source === "sweep") bump(r.id);

  const arrived = input.uploads.filter((u) => u.id && u.lastByteAt !== null);
  const latencyMs: number[] = [];
  const vanishedLatencyMs: number[] = [];
  let processed = 0;
  let lastProcessed: number | null = null;
  let vanishedRecovered = 0;
  for (const u of arrived) {
    const row = byId.get(u.id!);
    const delivered = firstDelivery.get(u.id!);
    if (delivered !== undefined) {
      latencyMs.push(delivered - u.lastByteAt!);
      if (u.behaviour === "vanish") vanishedLatencyMs.push(delivered - u.lastByteAt!);
    }
    if (row?.status === "processed") {
      processed++;
      if (u.behaviour === "vanish") vanishedRecovered++;
      const s = (Number(row.processed_ms) - u.lastByteAt!) / 1000;
      lastProcessed = Math.max(lastProcessed ?? 0, s);
    }
  }
  const confirmedBy: Record<string, number> = {};
  for (const r of rows) if (r.source) confirmedBy[r.source] = (confirmedBy[r.source] ?? 0) + 1;

  const s3 = Object.fromEntries(S3_KINDS.map((k) => [k, 0])) as Record<S3Kind, number>;
  for (const h of inWindow(world.s3.hits)) s3[classifyS3(h)]++;
  let messages = 0;
  let suppressed = 0;
  for (const h of inWindow(world.qstash.hits)) {
    messages += qstashMessages(h).count;
    if (h.path.includes("/api/jobs/process") && safeJson(h.resBody)?.deduplicated === true) suppressed++;
  }

  return {
    uploads: input.uploads.length,
    bytesArrived: arrived.length,
    latencyMs,
    processed,
    lastProcessedS: lastProcessed,
    vanished: arrived.filter((u) => u.behaviour === "vanish").length,
    vanishedRecovered,
    vanishedLatencyMs,
    abandoned: input.uploads.filter((u) => u.behaviour === "abandon").length,
    abandonedLeftAfterSweep: null,
    confirmedBy,
    dupTriggers: [...arrivals.values()].reduce((s, n) => s + Math.max(0, n - 1), 0),
    dupPublishesSuppressed: suppressed,
    twice: rows.filter((r) => Math.max(r.succeeded, r.processed_events) > 1).length,
    s3,
    dbRoundTrips: input.dbRoundTrips,
    qstashMessages: messages,
  };
}

function safeJson(text: string | undefined): Record<string, unknown> | null {
  if (!text) return null;
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return null;
  }
}
