import {
  type CORSRule,
  GetBucketCorsCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketNotificationConfigurationCommand,
  HeadBucketCommand,
  type LifecycleRule,
} from "@aws-sdk/client-s3";
import { sql } from "drizzle-orm";
import { getDb } from "@/lib/db/client";
import { getEnv } from "@/lib/env";
import { PLANS } from "@/lib/plans/plans";
import { getQstash } from "@/lib/queue/qstash-client";
import { getBucket, getS3 } from "@/lib/storage/s3-client";
import { describeError, withTimeout } from "./with-timeout";

export type CheckStatus = "ok" | "warn" | "fail";

export type HealthCheck = {
  id: string;
  label: string;
  status: CheckStatus;
  summary: string;
  /** How to fix it, for anything not ok. */
  fix?: string;
  latencyMs: number;
  rows?: Array<Record<string, string | number | boolean | null>>;
};

const CHECK_TIMEOUT_MS = 4_000;
const SWEEP_PATH = "/api/cron/sweep";
const RUN_SETUP =
  "Run `npm run setup`: it configures the bucket (CORS, lifecycle, notifications) and the QStash queues and sweep schedule, and is safe to re-run.";

type Outcome = Omit<HealthCheck, "id" | "label" | "latencyMs">;

async function run(id: string, label: string, check: () => Promise<Outcome>, onError: (message: string) => Outcome): Promise<HealthCheck> {
  const started = performance.now();
  try {
    const outcome = await withTimeout(check(), CHECK_TIMEOUT_MS, label);
    return { id, label, latencyMs: Math.round(performance.now() - started), ...outcome };
  } catch (error) {
    return { id, label, latencyMs: Math.round(performance.now() - started), ...onError(describeError(error)) };
  }
}

const errorName = (error: unknown) => (error as { name?: string; Code?: string })?.name ?? (error as { Code?: string })?.Code ?? "";

async function checkDatabase(): Promise<Outcome> {
  const started = performance.now();
  const rows = await getDb().execute<{ version: string }>(sql`select current_setting('server_version') as version`);
  const ms = Math.round(performance.now() - started);
  return {
    status: ms > 500 ? "warn" : "ok",
    summary: `PostgreSQL ${rows.rows[0]?.version ?? "?"} answered in ${ms} ms.`,
    fix: ms > 500 ? "The database is slow to answer; check its load and connection count." : undefined,
  };
}

async function checkStorage(): Promise<Outcome> {
  const started = performance.now();
  await getS3().send(new HeadBucketCommand({ Bucket: getBucket() }));
  const ms = Math.round(performance.now() - started);
  return { status: ms > 1_000 ? "warn" : "ok", summary: `Bucket ${getBucket()} at ${getEnv().S3_ENDPOINT ?? "AWS S3"} answered HeadBucket in ${ms} ms.` };
}

async function checkCors(): Promise<Outcome> {
  const appOrigin = new URL(getEnv().APP_URL).origin;
  let rules: CORSRule[];
  try {
    rules = (await getS3().send(new GetBucketCorsCommand({ Bucket: getBucket() }))).CORSRules ?? [];
  } catch (error) {
    if (errorName(error) === "NoSuchCORSConfiguration")
      return { status: "fail", summary: "The bucket has no CORS configuration: browsers cannot upload to it.", fix: RUN_SETUP };
    throw error;
  }
  const rule = rules.find((r) => (r.AllowedOrigins ?? []).some((o) => o === "*" || o === appOrigin) && (r.AllowedMethods ?? []).includes("PUT"));
  if (!rule) return { status: "fail", summary: `No CORS rule allows PUT from ${appOrigin}.`, fix: RUN_SETUP };
  const exposesEtag = (rule.ExposeHeaders ?? []).some((h) => h.toLowerCase() === "etag");
  if (!exposesEtag)
    return { status: "fail", summary: `The CORS rule for ${appOrigin} does not expose ETag: multipart uploads cannot complete.`, fix: RUN_SETUP };
  return { status: "ok", summary: `PUT from ${appOrigin} allowed; ETag exposed (${rules.length} rule${rules.length === 1 ? "" : "s"}).` };
}

async function checkLifecycle(): Promise<Outcome> {
  let rules: LifecycleRule[];
  try {
    rules = (await getS3().send(new GetBucketLifecycleConfigurationCommand({ Bucket: getBucket() }))).Rules ?? [];
  } catch (error) {
    if (errorName(error) === "NoSuchLifecycleConfiguration") {
      return {
        status: "fail",
        summary: "No lifecycle rule: abandoned multipart uploads are kept (and billed) forever unless the sweep aborts them.",
        fix: RUN_SETUP,
      };
    }
    throw error;
  }
  const abort = rules.find((r) => r.Status === "Enabled" && r.AbortIncompleteMultipartUpload?.DaysAfterInitiation !== undefined);
  if (!abort) return { status: "fail", summary: `${rules.length} lifecycle rule(s), none aborts incomplete multipart uploads.`, fix: RUN_SETUP };
  return {
    status: "ok",
    summary: `Incomplete multipart uploads are aborted after ${abort.AbortIncompleteMultipartUpload!.DaysAfterInitiation} day(s) (rule ${abort.ID ?? "unnamed"}).`,
  };
}

async function checkNotifications(): Promise<Outcome> {
  const out = await getS3().send(new GetBucketNotificationConfigurationCommand({ Bucket: getBucket() }));
  const configs = [...(out.TopicConfigurations ?? []), ...(out.QueueConfigurations ?? []), ...(out.LambdaFunctionConfigurations ?? [])];
  const created = configs.filter((c) => (c.Events ?? []).some((e) => e.startsWith("s3:ObjectCreated:")));
  if (created.length) {
    const targets = created.map((c) => ("TopicArn" in c ? c.TopicArn : "QueueArn" in c ? c.QueueArn : "LambdaFunctionArn" in c ? c.LambdaFunctionArn : "?"));
    return { status: "ok", summary: `ObjectCreated events go to ${targets.join(", ")}.` };
  }
  if (out.EventBridgeConfiguration)
    return { status: "ok", summary: "Events go to EventBridge; check the rule that forwards ObjectCreated to /api/storage-events." };
  return { status: "fail", summary: "No ObjectCreated notification: uploads whose /complete never arrives wait for the sweep.", fix: RUN_SETUP };
}

async function checkQueues(): Promise<Outcome> {
  const queues = await getQstash().queue().list();
  const byName = new Map(queues.map((q) => [q.name, q]));
  const rows = Object.values(PLANS).map((plan) => {
    const q = byName.get(plan.queue);
    return {
      queue: plan.queue,
      plan: plan.label,
      exists: Boolean(q),
      parallelism: q?.parallelism ?? null,
      expected: plan.parallelism,
      lag: q?.lag ?? null,
      paused: q?.paused ?? null,
    };
  });
  const missing = rows.filter((r) => !r.exists).map((r) => r.queue);
  const paused = rows.filter((r) => r.paused).map((r) => r.queue);
  const lag = rows.reduce((n, r) => n + (r.lag ?? 0), 0);
  if (missing.length) return { status: "fail", summary: `Missing queue(s): ${missing.join(", ")}.`, fix: RUN_SETUP, rows };
  if (paused.length)
    return {
      status: "warn",
      summary: `Paused: ${paused.join(", ")}; nothing is delivered from ${paused.length === 1 ? "it" : "them"}.`,
      fix: "Resume the queue in the QStash console (or `npm run setup`).",
      rows,
    };
  const drifted = rows.filter((r) => r.parallelism !== r.expected).map((r) => `${r.queue} runs ${r.parallelism}, the ${r.plan} plan expects ${r.expected}`);
  if (drifted.length)
    return { status: "warn", summary: `Parallelism differs from the plan table: ${drifted.join("; ")}. ${lag} message(s) waiting.`, fix: RUN_SETUP, rows };
  return { status: "ok", summary: `${rows.length} plan queues, ${lag} message(s) waiting.`, rows };
}

async function checkSchedule(): Promise<Outcome> {
  const schedules = await getQstash().schedules.list();
  const sweep = schedules.filter((s) => s.destination.includes(SWEEP_PATH));
  const rows = sweep.map((s) => ({
    scheduleId: s.scheduleId,
    cron: s.cron,
    destination: s.destination,
    paused: s.isPaused,
    last: s.lastScheduleTime ? new Date(s.lastScheduleTime).toISOString() : null,
    next: s.nextScheduleTime ? new Date(s.nextScheduleTime).toISOString() : null,
  }));
  if (!sweep.length)
    return { status: "fail", summary: `No schedule calls ${SWEEP_PATH}: stale intents and zombies are never reconciled.`, fix: RUN_SETUP, rows };
  if (sweep.every((s) => s.isPaused))
    return { status: "warn", summary: "The sweep schedule is paused.", fix: "Resume it in the QStash console (or `npm run setup`).", rows };
  return { status: "ok", summary: `Sweep schedule ${sweep[0]!.cron}.`, rows };
}

const unreachable =
  (fix: string) =>
  (message: string): Outcome => ({ status: "fail", summary: `Could not check: ${message}`, fix });

/** The live self-check behind /admin/health. Every check is bounded and independent. */
export async function checkAdminHealth(): Promise<HealthCheck[]> {
  const s3Fix = "Check S3_ENDPOINT, the credentials and that the bucket exists (`npm run setup` creates it).";
  const qstashFix = "Check QSTASH_URL and QSTASH_TOKEN; locally, `npm run stack` starts the QStash server on :8080.";
  return Promise.all([
    run("db", "Database", checkDatabase, unreachable("Check POSTGRES_URL (and DATABASE_WS_PROXY locally); `npm run stack` starts the local one.")),
    run("s3", "Bucket reachable", checkStorage, unreachable(s3Fix)),
    run("cors", "Bucket CORS", checkCors, unreachable(s3Fix)),
    run("lifecycle", "Bucket lifecycle", checkLifecycle, unreachable(s3Fix)),
    run("notifications", "Bucket notifications", checkNotifications, unreachable(s3Fix)),
    run("queues", "QStash queues", checkQueues, unreachable(qstashFix)),
    run("schedule", "Sweep schedule", checkSchedule, unreachable(qstashFix)),
  ]);
}
