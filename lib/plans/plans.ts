const GiB = 1024 ** 3;

export type PlanId = "free" | "pro";

export type Plan = {
  id: PlanId;
  label: string;
  maxFileSize: number;
  /** MIME families or exact types; the declared type and the sniffed type must both match one. */
  allowedTypes: readonly string[];
  /** One QStash queue per plan; its parallelism is the plan's share of the workers. */
  queue: string;
  parallelism: number;
  /** Uploads still `pending` (created, bytes not confirmed) a user may hold at once. */
  maxOpenUploads: number;
  /** Declared bytes of a user's pending multipart uploads: what their part URLs may still store. */
  maxOpenMultipartBytes: number;
  /**
   * Bytes a user may store in all: uploads (pending ones at their declared size) plus
   * their derived files. Deleted, expired, aborted and purged uploads count nothing.
   */
  storageQuota: number;
};

const MEDIA_AND_PDF = ["video/*", "audio/*", "image/*", "application/pdf"] as const;

/** The one table of plan limits, read by the uploader UI and by every server check. */
export const PLANS: Record<PlanId, Plan> = {
  free: {
    id: "free",
    label: "Free",
    maxFileSize: 5 * GiB,
    allowedTypes: MEDIA_AND_PDF,
    queue: "biblio-free",
    parallelism: 2,
    maxOpenUploads: 50,
    maxOpenMultipartBytes: 25 * GiB,
    storageQuota: 50 * GiB,
  },
  pro: {
    id: "pro",
    label: "Pro",
    maxFileSize: 200 * GiB,
    allowedTypes: MEDIA_AND_PDF,
    queue: "biblio-pro",
    parallelism: 8,
    maxOpenUploads: 500,
    maxOpenMultipartBytes: 2048 * GiB,
    storageQuota: 10 * 1024 * GiB,
  },
};

export function getPlan(id: string | null | undefined): Plan {
  return PLANS[(id ?? "free") as PlanId] ?? PLANS.free;
}

/**
 * The one allowlist of concrete types, shared by create (the declared type), confirm and
 * the worker (the detected type): only types the detector (lib/pipeline/sniff-type) can
 * recognise from the bytes, so a declared type that passes create can also pass confirm.
 * A plan's `allowedTypes` (families, shown in the UI) narrows it further.
 */
export const ACCEPTED_TYPES: readonly string[] = [
  "video/mp4",
  "video/quicktime",
  "video/webm",
  "video/x-matroska",
  "video/ogg",
  "video/mp2t",
  "video/x-msvideo",
  "video/mpeg",
  "video/3gpp",
  "video/3gpp2",
  "video/x-m4v",
  "video/x-flv",
  "audio/mpeg",
  "audio/mp4",
  "audio/x-m4a",
  "audio/aac",
  "audio/aacp",
  "audio/ogg",
  "audio/opus",
  "audio/webm",
  "audio/x-matroska",
  "audio/flac",
  "audio/x-flac",
  "audio/wav",
  "audio/x-wav",
  "audio/wave",
  "audio/vnd.wave",
  "audio/aiff",
  "audio/x-aiff",
  "audio/mp2t",
  "image/png",
  "image/jpeg",
  "image/gif",
  "image/webp",
  "image/avif",
  "image/heic",
  "image/heif",
  "image/bmp",
  "image/tiff",
  "application/pdf",
];
const ACCEPTED = new Set(ACCEPTED_TYPES);

/** `audio/ogg; codecs=opus` → `audio/ogg`. */
export function baseType(mime: string): string {
  return mime.split(";")[0]!.trim().toLowerCase();
}

export function isTypeAllowed(plan: Plan, mime: string): boolean {
  const type = baseType(mime);
  if (!ACCEPTED.has(type)) return false;
  return plan.allowedTypes.some((allowed) =>
    allowed.endsWith("/*") ? type.startsWith(allowed.slice(0, -1)) && type.length > allowed.length - 1 : type === allowed,
  );
}

export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value >= 10 || unit === 0 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}
