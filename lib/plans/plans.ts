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
};

const MEDIA_AND_PDF = ["video/*", "audio/*", "image/*", "application/pdf"] as const;

/** The one table of plan limits, read by the uploader UI and by every server check. */
export const PLANS: Record<PlanId, Plan> = {
  free: { id: "free", label: "Free", maxFileSize: 5 * GiB, allowedTypes: MEDIA_AND_PDF, queue: "biblio-free", parallelism: 2, maxOpenUploads: 50, maxOpenMultipartBytes: 25 * GiB },
  pro: { id: "pro", label: "Pro", maxFileSize: 200 * GiB, allowedTypes: MEDIA_AND_PDF, queue: "biblio-pro", parallelism: 8, maxOpenUploads: 500, maxOpenMultipartBytes: 2048 * GiB },
};

export function getPlan(id: string | null | undefined): Plan {
  return PLANS[(id ?? "free") as PlanId] ?? PLANS.free;
}

export function isTypeAllowed(plan: Plan, mime: string): boolean {
  const type = mime.split(";")[0]!.trim().toLowerCase();
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
