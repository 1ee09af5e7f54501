import { Client } from "@upstash/qstash";
import type { Env } from "@/lib/env";
import { ensureQueues } from "@/lib/queue/ensure-queues";
import { configureBucket } from "./configure-bucket";
import { configureTopicNotification } from "./configure-notifications";
import { ensureSchedules } from "./ensure-schedules";

export const STORAGE_EVENTS_PATH = "/api/storage-events";
export const STORAGE_EVENTS_QUEUE = "biblio-storage-events";
/** How many storage events are handled at once: an upload storm queues instead of exhausting DB connections. */
export const STORAGE_EVENTS_PARALLELISM = 4;
export const STORAGE_TOPIC = "biblio-storage-events";

export type SetupStep = "bucket" | "queues" | "notifications" | "schedules";
export type SetupOptions = { env: Env; corsOrigins: string[]; steps?: SetupStep[]; log?: (line: string) => void };

/** The QStash client of a given environment (the setup may run for an env other than this process's). */
export function qstashClientFor(env: Env): Client {
  return env.QSTASH_DEV
    ? new Client({ devMode: true, enableTelemetry: false })
    : new Client({ baseUrl: env.QSTASH_URL, token: env.QSTASH_TOKEN!, devMode: false, enableTelemetry: false });
}

/**
 * The URL the storage pushes events to: QStash's enqueue endpoint in webhook form, whose
 * destination is our route. QStash answers in ~1 ms, then delivers signed, with retries,
 * through a queue with bounded parallelism. Ceph pushes from its persistent topic queue,
 * off the uploader's PUT. The token travels as `qstash_token` because an RGW
 * topic cannot carry headers (and refuses credentials in a cleartext URL).
 */
export function storageEventPushEndpoint(env: Env): string {
  const token = encodeURIComponent(env.QSTASH_TOKEN ?? "");
  return `${env.QSTASH_URL.replace(/\/$/, "")}/v2/enqueue/${STORAGE_EVENTS_QUEUE}/${env.APP_URL}${STORAGE_EVENTS_PATH}?qstash_token=${token}`;
}

/**
 * Idempotent setup of the real infrastructure: bucket (CORS, multipart lifecycle),
 * QStash queues, bucket notifications, and the sweep schedule. Every step replaces its
 * whole configuration, so running it again changes nothing.
 */
export async function runSetup(opts: SetupOptions): Promise<Record<SetupStep, string>> {
  const { env } = opts;
  const log = opts.log ?? (() => {});
  const steps = new Set(opts.steps ?? ["bucket", "queues", "notifications", "schedules"]);
  const target = {
    endpoint: env.S3_ENDPOINT,
    region: env.S3_REGION,
    accessKey: env.S3_ACCESS_KEY_ID,
    secretKey: env.S3_SECRET_ACCESS_KEY,
    forcePathStyle: env.S3_FORCE_PATH_STYLE,
  };
  const qstash = qstashClientFor(env);
  const done: Record<SetupStep, string> = { bucket: "skipped", queues: "skipped", notifications: "skipped", schedules: "skipped" };

  if (steps.has("bucket")) {
    await configureBucket({ ...target, bucket: env.S3_BUCKET, corsOrigins: opts.corsOrigins });
    done.bucket = `CORS for ${opts.corsOrigins.join(", ")}; abort incomplete multipart after 1 day`;
  }
  if (steps.has("queues")) {
    const queues = await ensureQueues(qstash);
    await qstash.queue({ queueName: STORAGE_EVENTS_QUEUE }).upsert({ parallelism: STORAGE_EVENTS_PARALLELISM });
    done.queues = [...queues.map((q) => `${q.name}×${q.parallelism}`), `${STORAGE_EVENTS_QUEUE}×${STORAGE_EVENTS_PARALLELISM}`].join(", ");
  }
  if (steps.has("notifications")) {
    if (env.QSTASH_DEV) {
      done.notifications = "skipped: with QSTASH_DEV there is no token the storage could present; set QSTASH_URL and QSTASH_TOKEN";
    } else if (env.S3_ENDPOINT) {
      const arn = await configureTopicNotification({
        ...target,
        bucket: env.S3_BUCKET,
        topicName: STORAGE_TOPIC,
        pushEndpoint: storageEventPushEndpoint(env),
        // Persistent: RGW queues the event in RADOS and pushes it from a background thread,
        // retrying until QStash answers. The uploader's PUT never waits on QStash (measured:
        // ~50 ms with QStash paused, against ~10 s inline), and an outage loses no event. The
        // price is latency on a new topic (up to ~30 s until RGW picks its queue up) and
        // possible duplicates, which the pipeline absorbs (confirm is idempotent).
        persistent: true,
      });
      done.notifications = `${arn} → QStash queue ${STORAGE_EVENTS_QUEUE} → ${env.APP_URL}${STORAGE_EVENTS_PATH}`;
    } else {
      // AWS: S3 → EventBridge rule ("Object Created"/"Object Deleted") → API destination to
      // QStash's enqueue URL with `Authorization: Bearer <QSTASH_TOKEN>`. Those are account
      // resources (IAM role, connection) this command does not own.
      done.notifications = `AWS S3: enable EventBridge on ${env.S3_BUCKET} and route Object Created/Deleted to ${storageEventPushEndpoint({ ...env, QSTASH_TOKEN: "<token>" })} (see README)`;
    }
  }
  if (steps.has("schedules")) {
    const s = await ensureSchedules(qstash, { appUrl: env.APP_URL, poll: env.BIBLIO_TRIGGERS.includes("poll") });
    done.schedules = `${s.sweep} (*/5 * * * *)${s.poll ? `, ${s.poll} (every minute)` : ""}`;
  }
  for (const [step, what] of Object.entries(done)) log(`${step}: ${what}`);
  return done;
}
