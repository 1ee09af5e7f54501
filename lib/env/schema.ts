import { z } from "zod";
import { UPLOAD_SOURCES } from "@/lib/db/schema";

const bool = z.enum(["true", "false", "1", "0", ""]).transform((v) => v === "true" || v === "1");

const url = z.url({ protocol: /^https?$/ });

/** An empty value (`NAME=` copied from .env.example) means unset. */
const unsetIfEmpty = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === "" ? undefined : v), schema);

const ms = (fallback: number) => unsetIfEmpty(z.coerce.number().int().positive().default(fallback));

/**
 * Every dependency call has a bound (issue 13): a paused or dead Postgres, S3 or QStash
 * gives the caller a fast 503 instead of a hang. Read on their own by lib/db/client.ts,
 * which must not require the whole environment.
 */
export const TIMEOUT_ENV = {
  // Opening a database connection (WebSocket + startup), and waiting for a pooled one.
  DB_CONNECT_TIMEOUT_MS: ms(10_000),
  // One statement: enforced by Postgres (statement_timeout) and by the client (a paused
  // server never answers the cancel either).
  DB_QUERY_TIMEOUT_MS: ms(20_000),
  // S3: TCP connect, and the longest silence on a request's socket (not its total time:
  // a checksum streams for minutes); then up to S3_MAX_ATTEMPTS tries in all.
  S3_CONNECT_TIMEOUT_MS: ms(5_000),
  S3_REQUEST_TIMEOUT_MS: ms(30_000),
  S3_MAX_ATTEMPTS: unsetIfEmpty(z.coerce.number().int().min(1).max(10).default(3)),
  // One QStash API call (publish, queue and DLQ calls), retries included.
  QSTASH_TIMEOUT_MS: ms(10_000),
  // How long one worker delivery may run before it saves its progress and continues in a
  // new message; below the route's maxDuration (300 s) with room to save and publish.
  WORKER_INVOCATION_BUDGET_MS: unsetIfEmpty(z.coerce.number().int().min(1_000).max(270_000).default(240_000)),
  // Checksums of files this large use the resumable (saved-state) hasher, ~4x slower per
  // byte than node:crypto; smaller files finish well inside one invocation on the fast one.
  CHECKSUM_RESUMABLE_FROM_BYTES: unsetIfEmpty(
    z.coerce
      .number()
      .int()
      .min(0)
      .default(2 * 1024 ** 3),
  ),
};

/**
 * Every variable the app reads, with what it means. `.env.example` mirrors this
 * list; `parseEnv` (lib/env/index.ts) turns a failure into an `EnvError` naming each variable.
 */
export const ENV_SCHEMA = z
  .object({
    APP_URL: url.default("http://localhost:3000"),
    BETTER_AUTH_SECRET: z.string().min(32, "must be at least 32 characters (e.g. `openssl rand -hex 32`)"),

    POSTGRES_URL: z.string().regex(/^postgres(ql)?:\/\/.+/, "must be a postgres:// connection string"),
    DATABASE_WS_PROXY: z
      .string()
      .regex(/^[^/\s]+(\/.*)?$/, "must look like host:port/path, without a scheme")
      .optional(),

    S3_ENDPOINT: url.optional(),
    S3_REGION: z.string().min(1).default("us-east-1"),
    S3_ACCESS_KEY_ID: z.string().min(1),
    S3_SECRET_ACCESS_KEY: z.string().min(1),
    S3_BUCKET: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "must be a valid S3 bucket name"),
    S3_FORCE_PATH_STYLE: bool.default(false),
    /**
     * DeleteObjects (one request per 1,000 keys). Off locally: Ceph RGW 16 aborts on a
     * multi-object delete in a bucket with a persistent notification topic, which is how
     * the local bucket is set up; single DeleteObject calls work there.
     */
    S3_MULTI_DELETE: bool.default(true),

    QSTASH_DEV: bool.default(false),
    QSTASH_URL: url.default("https://qstash.upstash.io"),
    QSTASH_TOKEN: z.string().min(1).optional(),
    QSTASH_CURRENT_SIGNING_KEY: z.string().min(1).optional(),
    QSTASH_NEXT_SIGNING_KEY: z.string().min(1).optional(),

    // Safety nets (DESIGN §1): which trigger sources may confirm an upload.
    BIBLIO_TRIGGERS: z
      .string()
      .default("client,storage-event,sweep")
      .transform((v) =>
        v
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean),
      )
      .pipe(z.array(z.enum(UPLOAD_SOURCES))),
    STORAGE_EVENT_SECRET: unsetIfEmpty(z.string().min(32, "must be at least 32 characters (e.g. `openssl rand -hex 32`)").optional()),
    SWEEP_ORPHAN_GRACE_HOURS: unsetIfEmpty(z.coerce.number().positive().optional()),
    // After this many failed publishes an upload counts as "still failing" on the admin overview (it is retried regardless).
    SWEEP_MAX_PUBLISH_ATTEMPTS: unsetIfEmpty(z.coerce.number().int().positive().default(10)),
    // Recovery thresholds (issue 13); shortened by fault-injection runs.
    SWEEP_QUEUED_STALE_SECONDS: unsetIfEmpty(z.coerce.number().positive().default(120)),
    SWEEP_LEASE_GRACE_SECONDS: unsetIfEmpty(z.coerce.number().nonnegative().default(30)),
    SWEEP_MULTIPART_RECHECK_SECONDS: unsetIfEmpty(z.coerce.number().nonnegative().default(60)),
    // A multipart session with no intent row (or not its row's session) is aborted after this:
    // create opens the session just before it writes the row, so a younger one may be in flight.
    SWEEP_UNTRACKED_SESSION_GRACE_SECONDS: unsetIfEmpty(z.coerce.number().positive().default(3600)),
    ...TIMEOUT_ENV,
    // A rejected file's bytes stay in storage this long (admins can inspect or rescue
    // them) before the sweep deletes them: type detection must never lose a valid file.
    REJECTED_QUARANTINE_HOURS: unsetIfEmpty(z.coerce.number().positive().default(72)),
    // Presigned URL lifetime = declared bytes / this bandwidth, clamped to 5 min..1 h.
    UPLOAD_MIN_BYTES_PER_SECOND: unsetIfEmpty(
      z.coerce
        .number()
        .int()
        .positive()
        .default(256 * 1024),
    ),
    // Rate limits (lib/rate-limit): the header a trusted proxy sets to the client's IP
    // (e.g. x-real-ip, x-forwarded-for); unset, no per-IP limits and the header is ignored.
    TRUSTED_IP_HEADER: unsetIfEmpty(
      z
        .string()
        .regex(/^[a-z0-9-]+$/i, "must be a header name such as x-real-ip")
        .toLowerCase()
        .optional(),
    ),
    // Scales every rate limit (2 doubles them); 0 turns rate limiting off.
    RATE_LIMIT_MULTIPLIER: unsetIfEmpty(z.coerce.number().min(0).default(1)),
  })
  .superRefine((env, ctx) => {
    if (env.QSTASH_DEV) return;
    for (const key of ["QSTASH_TOKEN", "QSTASH_CURRENT_SIGNING_KEY", "QSTASH_NEXT_SIGNING_KEY"] as const) {
      if (!env[key]) {
        ctx.addIssue({
          code: "custom",
          path: [key],
          message: "is required unless QSTASH_DEV=true (copy it from the Upstash console)",
        });
      }
    }
  });

export type Env = z.infer<typeof ENV_SCHEMA>;
