import { z } from "zod";
import { getUploadById, isMessageSuperseded, recordUploadEvent, transitionUpload } from "@/lib/db/queries/uploads";
import { log } from "@/lib/log";
import { JOB_PAYLOAD } from "./job-payload";

/** What QStash posts to a failure callback; fields this handler does not read pass through. */
export const FAILURE_CALLBACK = z.looseObject({
  status: z.number().int(),
  /** The worker's last response body, base64. */
  body: z.string().optional(),
  retried: z.number().int().nonnegative().optional(),
  maxRetries: z.number().int().nonnegative().optional(),
  sourceMessageId: z.string().min(1),
  /** The job payload, base64. */
  sourceBody: z.string(),
  dlqId: z.string().optional(),
  error: z.string().optional(),
});

export type FailureCallback = z.infer<typeof FAILURE_CALLBACK>;

export type FailureCallbackOutcome =
  | { status: "failed"; uploadId: string; dlqId: string | null; reason: string }
  | { status: "ignored"; uploadId: string | null; reason: string };

const OPEN = ["uploaded", "queued", "processing"] as const;

/** The user-facing reason: the worker's own message for a permanent failure, a summary otherwise. */
export function failureReasonFrom(cb: FailureCallback): string {
  let message: string | undefined;
  try {
    const parsed = JSON.parse(Buffer.from(cb.body ?? "", "base64").toString("utf8")) as { error?: { message?: unknown } };
    if (typeof parsed?.error?.message === "string") message = parsed.error.message;
  } catch {}
  if (cb.status === 489 && message) return message;
  const attempts = (cb.retried ?? 0) + 1;
  const last = message ?? cb.error ?? (cb.status ? `the worker answered ${cb.status}` : "no response");
  return `Processing failed after ${attempts} attempt${attempts === 1 ? "" : "s"} (last: ${last}).`;
}

/**
 * A job message was dead-lettered: mark the upload `failed` with the reason and the DLQ
 * id the admin dashboard replays from. A worker that failed permanently has already
 * moved the upload to `failed`; then only the DLQ id is added.
 */
export async function handleFailureCallback(cb: FailureCallback): Promise<FailureCallbackOutcome> {
  let uploadId: string;
  try {
    uploadId = JOB_PAYLOAD.parse(JSON.parse(Buffer.from(cb.sourceBody, "base64").toString("utf8"))).uploadId;
  } catch {
    log.error("failure callback carries no readable job payload", { messageId: cb.sourceMessageId });
    return { status: "ignored", uploadId: null, reason: "The dead-lettered message is not a job this app published." };
  }
  const upload = await getUploadById(uploadId);
  if (!upload) return { status: "ignored", uploadId, reason: "The upload no longer exists." };

  const reason = failureReasonFrom(cb);
  const dlqId = cb.dlqId ?? null;
  const detail = { messageId: cb.sourceMessageId, dlqId, status: cb.status, retried: cb.retried ?? 0, reason };
  const ignore = async (why: string): Promise<FailureCallbackOutcome> => {
    await recordUploadEvent(uploadId, { type: "failure_callback_ignored", source: "qstash", detail: { ...detail, why } });
    return { status: "ignored", uploadId, reason: why };
  };

  // A late callback for a message that a replay has since superseded must not fail the replay.
  if (upload.qstashMessageId && upload.qstashMessageId !== cb.sourceMessageId) {
    return ignore(`The upload is now handled by message ${upload.qstashMessageId}.`);
  }
  // Between a replay's reopen and its publish (or after a failed publish) the row has no
  // message id yet: the timeline still says the old message was superseded.
  if (await isMessageSuperseded(uploadId, cb.sourceMessageId)) {
    return ignore("A replay or a sweep takeover has superseded this message.");
  }
  if (upload.status === "failed") {
    const updated = await transitionUpload({
      id: uploadId,
      from: ["failed"],
      to: "failed",
      set: { dlqId, failureReason: upload.failureReason ?? reason },
      event: { type: "dead_lettered", source: "qstash", detail },
    });
    if (updated) return { status: "failed", uploadId, dlqId, reason: updated.failureReason ?? reason };
  } else if ((OPEN as readonly string[]).includes(upload.status)) {
    const failed = await transitionUpload({
      id: uploadId,
      from: [...OPEN],
      to: "failed",
      set: { failureReason: reason, dlqId, leaseUntil: null },
      event: { type: "failed", source: "qstash", detail },
    });
    if (failed) return { status: "failed", uploadId, dlqId, reason };
  }
  const fresh = await getUploadById(uploadId);
  return ignore(`The upload is ${fresh?.status ?? "gone"}; nothing to mark failed.`);
}
