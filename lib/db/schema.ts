// The one schema file. SQL names are snake_case, TypeScript names camelCase.
// Closed value sets are `text` + CHECK rather than Postgres enums: adding or dropping a
// value is then a plain, transactional constraint swap in a migration.
import { relations, sql } from "drizzle-orm";
import { bigint, boolean, check, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";
import { uuidv7 } from "uuidv7";

export const PLANS = ["free", "pro"] as const;
export type Plan = (typeof PLANS)[number];

export const UPLOAD_STATUSES = ["pending", "uploaded", "queued", "processing", "processed", "failed", "expired", "aborted", "rejected", "deleted"] as const;
export type UploadStatus = (typeof UPLOAD_STATUSES)[number];

/** Which trigger confirmed an upload (DESIGN §1: patterns 2, 1/3, 4-as-sweep, 4-as-poll). */
export const UPLOAD_SOURCES = ["client", "storage-event", "sweep", "poll"] as const;
export type UploadSource = (typeof UPLOAD_SOURCES)[number];

export const JOB_STATUSES = ["started", "succeeded", "failed", "skipped", "continued"] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const SWEEP_TRIGGERS = ["schedule", "manual", "poll"] as const;
export type SweepTrigger = (typeof SWEEP_TRIGGERS)[number];

export const PROJECT_ROLES = ["owner", "member"] as const;
export type ProjectRole = (typeof PROJECT_ROLES)[number];

/** Public ids carry a prefix and a UUIDv7, so they sort by creation time (`upl_…`, `prj_…`). */
export function newPublicId(prefix: "upl" | "prj"): string {
  return `${prefix}_${uuidv7()}`;
}

const timestamptz = (name: string) => timestamp(name, { withTimezone: true });
const oneOf = (values: readonly string[]) => sql.raw(values.map((v) => `'${v}'`).join(", "));

// ── better-auth (core tables + admin plugin + our `plan`) ──────────────────────────
// Keys and property names are what better-auth's drizzle adapter addresses
// (`user`, `emailVerified`, …); it checks them against its own table definitions.

export const user = pgTable(
  "user",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    email: text("email").notNull().unique(),
    emailVerified: boolean("email_verified").default(false).notNull(),
    image: text("image"),
    createdAt: timestamptz("created_at").defaultNow().notNull(),
    updatedAt: timestamptz("updated_at")
      .defaultNow()
      .$onUpdate(() => new Date())
      .notNull(),
    // admin plugin: role may hold a comma-separated list, so no CHECK on it.
    role: text("role").default("user"),
    banned: boolean("banned").default(false),
    banReason: text("ban_reason"),
    banExpires: timestamptz("ban_expires"),
    plan: text("plan", { enum: PLANS }).default("free").notNull(),
  },
  (t) => [check("user_plan_check", sql`${t.plan} IN (${oneOf(PLANS)})`)],
);

export const session = pgTable(
  "session",
  {
    id: text("id").primaryKey(),
    expiresAt: timestamptz("expires_at").notNull(),
    token: text("token").notNull().unique(),
    createdAt: timestamptz("created_at").defaultNow().notNull(),
    updatedAt: timestamptz("updated_at")
      .defaultNow()
      .$onUpdate(() => new Date())
      .notNull(),
    ipAddress: text("ip_address"),
    userAgent: text("user_agent"),
    userId: text("user_id")
      .notNull()
      .references(() => user.id, { onDelete: "cascade" }),
    impersonatedBy: text("impersonated_by"),
  },
  (t) => [index("session_user_id_idx").on(t.userId)],
);

export const account = pgTable(
  "account",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id").notNull(),
    providerId: text("provider_id").notNull(),
    userId: text("user_id")
      .notNull()
      .references(() => user.id, { onDelete: "cascade" }),
    accessToken: text("access_token"),
    refreshToken: text("refresh_token"),
    idToken: text("id_token"),
    accessTokenExpiresAt: timestamptz("access_token_expires_at"),
    refreshTokenExpiresAt: timestamptz("refresh_token_expires_at"),
    scope: text("scope"),
    password: text("password"),
    createdAt: timestamptz("created_at").defaultNow().notNull(),
    updatedAt: timestamptz("updated_at")
      .defaultNow()
      .$onUpdate(() => new Date())
      .notNull(),
  },
  (t) => [index("account_user_id_idx").on(t.userId)],
);

export const verification = pgTable(
  "verification",
  {
    id: text("id").primaryKey(),
    identifier: text("identifier").notNull(),
    value: text("value").notNull(),
    expiresAt: timestamptz("expires_at").notNull(),
    createdAt: timestamptz("created_at").defaultNow().notNull(),
    updatedAt: timestamptz("updated_at")
      .defaultNow()
      .$onUpdate(() => new Date())
      .notNull(),
  },
  (t) => [index("verification_identifier_idx").on(t.identifier)],
);

export const userRelations = relations(user, ({ many }) => ({ sessions: many(session), accounts: many(account) }));
export const sessionRelations = relations(session, ({ one }) => ({ user: one(user, { fields: [session.userId], references: [user.id] }) }));
export const accountRelations = relations(account, ({ one }) => ({ user: one(user, { fields: [account.userId], references: [user.id] }) }));

// ── projects ────────────────────────────────────────────────────────────────────

export const projects = pgTable(
  "projects",
  {
    id: text("id")
      .primaryKey()
      .$defaultFn(() => newPublicId("prj")),
    name: text("name").notNull(),
    ownerId: text("owner_id")
      .notNull()
      .references(() => user.id, { onDelete: "cascade" }),
    createdAt: timestamptz("created_at").defaultNow().notNull(),
  },
  (t) => [index("projects_owner_id_idx").on(t.ownerId)],
);

export const projectMembers = pgTable(
  "project_members",
  {
    projectId: text("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    userId: text("user_id")
      .notNull()
      .references(() => user.id, { onDelete: "cascade" }),
    role: text("role", { enum: PROJECT_ROLES }).default("member").notNull(),
    createdAt: timestamptz("created_at").defaultNow().notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.projectId, t.userId] }),
    // "which projects may this user upload to" runs on every presign.
    index("project_members_user_id_idx").on(t.userId),
    check("project_members_role_check", sql`${t.role} IN (${oneOf(PROJECT_ROLES)})`),
  ],
);

// ── uploads: the intent, written at presign time before any byte moves ─────────

export type JsonObject = Record<string, unknown>;

export const uploads = pgTable(
  "uploads",
  {
    id: text("id")
      .primaryKey()
      .$defaultFn(() => newPublicId("upl")),
    // Deleting a user or project deletes its intents (and their timeline and jobs); the
    // objects left in the bucket are then reported by the orphan ledger.
    ownerId: text("owner_id")
      .notNull()
      .references(() => user.id, { onDelete: "cascade" }),
    projectId: text("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    /** The plan at presign time: queue priority and size limit follow it even if the user's plan changes later. */
    plan: text("plan", { enum: PLANS }).notNull(),
    bucket: text("bucket").notNull(),
    storageKey: text("storage_key").notNull(),
    /** Set for multipart uploads; the sweep aborts abandoned ones with it. */
    s3UploadId: text("s3_upload_id"),
    name: text("name").notNull(),
    safeName: text("safe_name").notNull(),
    declaredType: text("declared_type").notNull(),
    declaredSize: bigint("declared_size", { mode: "number" }).notNull(),
    realType: text("real_type"),
    realSize: bigint("real_size", { mode: "number" }),
    etag: text("etag"),
    /** Analysis options chosen by the user (which processors run). */
    options: jsonb("options").$type<JsonObject>().default({}).notNull(),
    status: text("status", { enum: UPLOAD_STATUSES }).default("pending").notNull(),
    source: text("source", { enum: UPLOAD_SOURCES }),
    qstashMessageId: text("qstash_message_id"),
    publishAttempts: integer("publish_attempts").default(0).notNull(),
    lastPublishError: text("last_publish_error"),
    /** Outbox backoff: after a failed publish the sweep tries again from then on (no cap on attempts). */
    nextPublishAt: timestamptz("next_publish_at"),
    /**
     * Who completed the multipart upload (client's /complete, or the sweep/check when the
     * client vanished). Written before CompleteMultipartUpload, so the storage event that
     * the completion fires confirms under the honest source.
     */
    multipartCompletedBy: text("multipart_completed_by", { enum: UPLOAD_SOURCES }),
    /** When the sweep last compared this pending multipart upload's stored parts with its declared size. */
    partsCheckedAt: timestamptz("parts_checked_at"),
    /** An admin deleted the object; bytes that land at the key afterwards are deleted by the sweep. */
    objectDeletedAt: timestamptz("object_deleted_at"),
    /** The bytes of its derived files, kept by triggers on derived_files (for storage_usage). */
    derivedBytes: bigint("derived_bytes", { mode: "number" }).default(0).notNull(),
    rejectReason: text("reject_reason"),
    /** A rejected file's bytes are kept until then (visible to admins), then the sweep deletes them. */
    quarantineUntil: timestamptz("quarantine_until"),
    failureReason: text("failure_reason"),
    dlqId: text("dlq_id"),
    /** A pending intent whose bytes have not arrived by then is expired by the sweep. */
    deadlineAt: timestamptz("deadline_at").notNull(),
    /** A `processing` row whose lease ran out belongs to a worker that died. */
    leaseUntil: timestamptz("lease_until"),
    result: jsonb("result").$type<JsonObject>(),
    /** Millisecond precision, so a keyset cursor built from a JS Date matches the row exactly. */
    createdAt: timestamp("created_at", { withTimezone: true, precision: 3 }).defaultNow().notNull(),
    uploadedAt: timestamptz("uploaded_at"),
    /**
     * When the last byte landed in storage: the earliest landing time any `uploaded` timeline
     * event recorded (bytesAt, lastModified, …). Set by a trigger on upload_events; the
     * admin overview's trigger latency is uploaded_at minus this.
     */
    landedAt: timestamptz("landed_at"),
    queuedAt: timestamptz("queued_at"),
    processingAt: timestamptz("processing_at"),
    processedAt: timestamptz("processed_at"),
    failedAt: timestamptz("failed_at"),
    expiredAt: timestamptz("expired_at"),
    abortedAt: timestamptz("aborted_at"),
    rejectedAt: timestamptz("rejected_at"),
    /** The owner deleted the file: its object, derived files and any multipart session are gone. */
    deletedAt: timestamptz("deleted_at"),
    updatedAt: timestamptz("updated_at")
      .defaultNow()
      .$onUpdate(() => new Date())
      .notNull(),
  },
  (t) => [
    // Storage events and polling know only the key: this is how they find the context.
    uniqueIndex("uploads_storage_key_key").on(t.storageKey),
    // Keyset pagination everywhere: ORDER BY created_at DESC, id DESC with a (created_at, id) cursor.
    // NULLS FIRST is what a plain `DESC` means in Postgres; drizzle's default (NULLS LAST)
    // would not match `orderBy(desc(...))` and the planner would sort instead.
    index("uploads_owner_created_idx").on(t.ownerId, t.createdAt.desc().nullsFirst(), t.id.desc().nullsFirst()),
    index("uploads_project_created_idx").on(t.projectId, t.createdAt.desc().nullsFirst(), t.id.desc().nullsFirst()),
    // Live status: an open Files table asks "what changed in this project since (updated_at, id)?" every 2 s.
    index("uploads_project_updated_idx").on(t.projectId, t.updatedAt, t.id),
    // Admin listing over ~1M rows, unfiltered and by status. The status index also serves
    // the sweep's outbox (`uploaded`) and lease (`processing`) scans, which are small ranges.
    index("uploads_created_idx").on(t.createdAt.desc().nullsFirst(), t.id.desc().nullsFirst()),
    index("uploads_status_created_idx").on(t.status, t.createdAt.desc().nullsFirst(), t.id.desc().nullsFirst()),
    // Expiry scan: only pending rows, a tiny fraction of the table once uploads settle.
    index("uploads_pending_deadline_idx").on(t.deadlineAt).where(sql`${t.status} = 'pending'`),
    // Multipart completeness checks: pending multipart rows, least recently checked first.
    index("uploads_pending_multipart_idx").on(t.partsCheckedAt.nullsFirst()).where(sql`${t.status} = 'pending' and ${t.s3UploadId} is not null`),
    // Trigger statistics (which source confirmed how many).
    index("uploads_source_idx").on(t.source),
    // Admin dashboard. The list filtered by trigger source keeps the keyset order.
    index("uploads_source_created_idx").on(t.source, t.createdAt.desc().nullsFirst(), t.id.desc().nullsFirst()),
    // Name search (`ilike '%q%'`) over ~1M rows; needs the pg_trgm extension (trusted since PG 13, on Neon too).
    index("uploads_name_trgm_idx").using("gin", t.name.op("gin_trgm_ops")),
    // Overview windows: confirmations per source and hour, trigger latency samples, and
    // upload-to-processed latency, answered by index-only scans (drizzle has no INCLUDE,
    // so the carried columns are trailing key columns).
    index("uploads_source_uploaded_idx").on(t.source, t.uploadedAt, t.realSize).where(sql`${t.uploadedAt} IS NOT NULL`),
    index("uploads_processed_at_idx").on(t.processedAt, t.uploadedAt, t.realSize).where(sql`${t.processedAt} IS NOT NULL`),
    index("uploads_expired_at_idx").on(t.expiredAt).where(sql`${t.expiredAt} IS NOT NULL`),
    index("uploads_aborted_at_idx").on(t.abortedAt).where(sql`${t.abortedAt} IS NOT NULL`),
    // Per-user caps on create: a user's open uploads and their declared bytes.
    index("uploads_owner_pending_idx").on(t.ownerId, t.declaredSize).where(sql`${t.status} = 'pending'`),
    check("uploads_status_check", sql`${t.status} IN (${oneOf(UPLOAD_STATUSES)})`),
    check("uploads_source_check", sql`${t.source} IN (${oneOf(UPLOAD_SOURCES)})`),
    check("uploads_plan_check", sql`${t.plan} IN (${oneOf(PLANS)})`),
    check("uploads_declared_size_check", sql`${t.declaredSize} >= 0`),
  ],
);

/** What a processor derived from an upload (poster, sprite sheet, seek-preview WebVTT). */
export const DERIVED_KINDS = ["thumbnail", "storyboard", "storyboard-vtt"] as const;
export type DerivedKind = (typeof DERIVED_KINDS)[number];

/**
 * Files a processor wrote under `derived/<uploadId>/`. They count toward the owner's
 * storage and are deleted with their upload; the row outlives a deleted object only
 * until the deletion that removes both.
 */
export const derivedFiles = pgTable(
  "derived_files",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    uploadId: text("upload_id")
      .notNull()
      .references(() => uploads.id, { onDelete: "cascade" }),
    kind: text("kind", { enum: DERIVED_KINDS }).notNull(),
    storageKey: text("storage_key").notNull(),
    contentType: text("content_type").notNull(),
    bytes: bigint("bytes", { mode: "number" }).notNull(),
    width: integer("width"),
    height: integer("height"),
    createdAt: timestamptz("created_at").defaultNow().notNull(),
  },
  (t) => [
    uniqueIndex("derived_files_upload_kind_key").on(t.uploadId, t.kind),
    uniqueIndex("derived_files_storage_key_key").on(t.storageKey),
    check("derived_files_kind_check", sql`${t.kind} IN (${oneOf(DERIVED_KINDS)})`),
  ],
);

/**
 * The timeline: one row per state transition or notable event. `type` and `source` are
 * open sets (workers, admins and the sweep add their own), so they are not constrained.
 */
export const uploadEvents = pgTable(
  "upload_events",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    uploadId: text("upload_id")
      .notNull()
      .references(() => uploads.id, { onDelete: "cascade" }),
    at: timestamptz("at").defaultNow().notNull(),
    type: text("type").notNull(),
    source: text("source"),
    detail: jsonb("detail").$type<JsonObject>(),
  },
  (t) => [
    index("upload_events_upload_at_idx").on(t.uploadId, t.at),
    // The admin Triggers page counts late duplicate triggers per window: a small partial index.
    index("upload_events_duplicate_at_idx").on(t.at).where(sql`${t.type} = 'duplicate_trigger'`),
  ],
);

// ── jobs: one row per delivery attempt of a QStash message ─────────────────────

export const jobs = pgTable(
  "jobs",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    uploadId: text("upload_id")
      .notNull()
      .references(() => uploads.id, { onDelete: "cascade" }),
    messageId: text("message_id").notNull(),
    queue: text("queue"),
    /** From `Upstash-Retried`: 0 on the first delivery. */
    attempt: integer("attempt").default(0).notNull(),
    status: text("status", { enum: JOB_STATUSES }).default("started").notNull(),
    startedAt: timestamptz("started_at").defaultNow().notNull(),
    endedAt: timestamptz("ended_at"),
    durationMs: integer("duration_ms"),
    result: jsonb("result").$type<JsonObject>(),
    error: text("error"),
  },
  (t) => [
    index("jobs_upload_id_idx").on(t.uploadId),
    index("jobs_status_started_idx").on(t.status, t.startedAt),
    // Failure callbacks and DLQ replays arrive with a message id.
    index("jobs_message_id_idx").on(t.messageId),
    check("jobs_status_check", sql`${t.status} IN (${oneOf(JOB_STATUSES)})`),
  ],
);

// ── sweeps, trigger state, orphans, audit ───────────────────────────────────────

export type SweepCounts = {
  recovered?: number;
  expired?: number;
  aborted_multipart?: number;
  republished?: number;
  orphans_reported?: number;
  orphans_deleted?: number;
  [key: string]: number | undefined;
};

export const sweepRuns = pgTable(
  "sweep_runs",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    startedAt: timestamptz("started_at").defaultNow().notNull(),
    endedAt: timestamptz("ended_at"),
    durationMs: integer("duration_ms"),
    trigger: text("trigger", { enum: SWEEP_TRIGGERS }).notNull(),
    counts: jsonb("counts").$type<SweepCounts>().default({}).notNull(),
    error: text("error"),
  },
  (t) => [
    index("sweep_runs_started_idx").on(t.startedAt.desc().nullsFirst()),
    check("sweep_runs_trigger_check", sql`${t.trigger} IN (${oneOf(SWEEP_TRIGGERS)})`),
  ],
);

/** Objects in the bucket with no upload intent, as seen by listing. */
export const storageOrphans = pgTable("storage_orphans", {
  key: text("key").primaryKey(),
  size: bigint("size", { mode: "number" }),
  etag: text("etag"),
  firstSeenAt: timestamptz("first_seen_at").defaultNow().notNull(),
  lastSeenAt: timestamptz("last_seen_at").defaultNow().notNull(),
  deletedAt: timestamptz("deleted_at"),
});

/** Where an incremental trigger (e.g. the bucket poller's StartAfter key) left off. */
export const triggerCursors = pgTable("trigger_cursors", {
  name: text("name").primaryKey(),
  cursor: text("cursor"),
  updatedAt: timestamptz("updated_at")
    .defaultNow()
    .$onUpdate(() => new Date())
    .notNull(),
});

export const adminAudit = pgTable(
  "admin_audit",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    // No foreign key: the audit trail must outlive the admin who acted.
    actorId: text("actor_id").notNull(),
    action: text("action").notNull(),
    target: text("target"),
    detail: jsonb("detail").$type<JsonObject>(),
    at: timestamptz("at").defaultNow().notNull(),
  },
  (t) => [index("admin_audit_at_idx").on(t.at.desc().nullsFirst())],
);

/**
 * Fixed-window rate-limit counters, shared by every app instance (lib/rate-limit). One
 * row per limit and caller (`uploads.create:user:<id>`); a window that has ended is
 * restarted by the next hit, and stale rows are deleted in small batches.
 */
/**
 * What each user stores against their storage quota, kept exact by statement-level
 * triggers on `uploads` and `derived_files` (drizzle/0013_storage_usage.sql): an upload
 * counts while it holds or may still receive bytes (not deleted, expired or aborted, and
 * its object not gone), at coalesce(real_size, declared_size), plus its derived files.
 * Create reads and locks the one row (O(1)), so racing creates queue on it.
 */
export const storageUsage = pgTable("storage_usage", {
  userId: text("user_id")
    .primaryKey()
    .references(() => user.id, { onDelete: "cascade" }),
  uploadBytes: bigint("upload_bytes", { mode: "number" }).default(0).notNull(),
  derivedBytes: bigint("derived_bytes", { mode: "number" }).default(0).notNull(),
});

export const rateLimits = pgTable(
  "rate_limits",
  {
    key: text("key").primaryKey(),
    points: integer("points").notNull(),
    resetAt: timestamp("reset_at", { withTimezone: true, precision: 3 }).notNull(),
  },
  (t) => [index("rate_limits_reset_at_idx").on(t.resetAt)],
);

/**
 * Rollups of `uploads` for the admin overview, kept exact by statement-level triggers on
 * `uploads` (drizzle/0005_overview_rollups.sql), so the overview reads a few thousand
 * small rows instead of aggregating a million. Every write to `uploads` adds its delta in
 * the same transaction. Rows are spread over shards (a hash of the upload id) so that
 * concurrent creates and confirmations do not queue on one counter row.
 */
export const uploadStatusCounts = pgTable(
  "upload_status_counts",
  {
    status: text("status").notNull(),
    shard: integer("shard").notNull(),
    n: bigint("n", { mode: "number" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.status, t.shard] })],
);

/**
 * Per 5-minute bucket (date_bin from 2000-01-01 UTC, so hours and 6-hour buckets nest):
 * `confirmed:<source>` (uploaded_at; bytes = real_size), `processed` (processed_at),
 * `expired`, `aborted`, `aborted_multipart` (aborted_at of multipart intents).
 */
export const uploadRollups = pgTable(
  "upload_rollups",
  {
    bucket: timestamptz("bucket").notNull(),
    kind: text("kind").notNull(),
    shard: integer("shard").notNull(),
    files: bigint("files", { mode: "number" }).notNull(),
    bytes: bigint("bytes", { mode: "number" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.bucket, t.kind, t.shard] })],
);

/**
 * Latency histograms behind the overview, kept by the same triggers as uploadRollups.
 * `kind` is `processing` (processed_at − uploaded_at, bucketed by processed_at),
 * `trigger:<source>` (uploaded_at − landed_at) or `trigger-upper:<source>` (uploaded_at −
 * created_at where no landing time was recorded), both bucketed by uploaded_at. Each
 * sample is counted at every `level` (bucket width in seconds: 300, 3600, 21600, 86400,
 * date_bin from 2000-01-01 UTC so they nest), so a 7-day window reads about a dozen
 * coarse buckets instead of 2,016 fine ones. Bin b holds [2^(b/8), 2^((b+1)/8)) ms, bin 0
 * also everything under 1 ms: a percentile read from it is within 4.5 % of the exact one.
 */
export const uploadLatencyHist = pgTable(
  "upload_latency_hist",
  {
    level: integer("level").notNull(),
    kind: text("kind").notNull(),
    bucket: timestamptz("bucket").notNull(),
    bin: integer("bin").notNull(),
    shard: integer("shard").notNull(),
    n: bigint("n", { mode: "number" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.level, t.kind, t.bucket, t.bin, t.shard] })],
);

/**
 * A checksum's saved hash state (hash-wasm's SHA-256 and MD5 state after `offset` bytes
 * of the object version `etag`), so a job longer than one worker invocation resumes
 * where the last one stopped instead of from byte 0. Deleted when the checksum is done.
 */
export const checksumProgress = pgTable("checksum_progress", {
  uploadId: text("upload_id")
    .primaryKey()
    .references(() => uploads.id, { onDelete: "cascade" }),
  etag: text("etag").notNull(),
  offset: bigint("offset", { mode: "number" }).notNull(),
  sha256State: text("sha256_state").notNull(),
  md5State: text("md5_state"),
  updatedAt: timestamptz("updated_at").defaultNow().notNull(),
});
