import { ApiError } from "@/lib/api/errors";
import { getUploadById, recordLateQueuedEvent, recordPublishFailure, transitionUpload, type UploadRow, type UploadSource } from "@/lib/db/queries/uploads";
import { getEnv } from "@/lib/env";
import { ANALYSIS_OPTIONS, type JobPayload } from "@/lib/jobs/job-payload";
import { log } from "@/lib/log";
import { getPlan, isTypeAllowed } from "@/lib/plans/plans";
import { publishJob, republishDedupId } from "@/lib/queue/publish-job";
import { headObject, isNotFound, readHead, readRange } from "@/lib/storage/objects";
import { withUploadSpan } from "@/lib/trace/upload-trace";
import { detectType, SNIFF_BYTES, typeMatches } from "./sniff-type";

export type ConfirmOutcome =
  | { outcome: "queued" | "uploaded" | "unchanged"; upload: UploadRow }
  | { outcome: "rejected"; upload: UploadRow; reason: string }
  | { outcome: "missing"; upload: UploadRow };

/**
 * The one confirm step every trigger source calls (client, storage event, sweep, poll).
 * It checks the object itself, takes `pending → uploaded` conditionally, and publishes.
 * Whoever loses the race gets `unchanged` and does nothing: one job per upload.
 */
export function confirmUpload(upload: UploadRow, noticedBy: UploadSource): Promise<ConfirmOutcome> {
  return withUploadSpan("upload.confirm", upload.id, () => confirmInSpan(upload, noticedBy), { attributes: { "upload.source": noticedBy } });
}

async function confirmInSpan(upload: UploadRow, noticedBy: UploadSource): Promise<ConfirmOutcome> {
  // Already confirmed but not yet queued: another trigger may be publishing it right now, or
  // its publish failed. One dedup id per failed-publish count makes racers one message.
  if (upload.status === "uploaded") return publishUpload(upload, { dedupId: republishDedupId(upload) });
  if (upload.status !== "pending") return { outcome: "unchanged", upload };
  // A multipart upload is confirmed under whoever completed it: the storage event that
  // a client's own CompleteMultipartUpload fires must not take the credit.
  const source: UploadSource = upload.multipartCompletedBy ?? noticedBy;

  // HEAD and the sniffing read go out together: the first bytes are needed in the common
  // case, and overlapping the two round trips halves the confirm latency.
  const [head, first] = await Promise.all([
    headObject(upload.storageKey),
    readHead(upload.storageKey, SNIFF_BYTES).catch((error: unknown) => {
      if (isNotFound(error) || isUnsatisfiableRange(error)) return null;
      throw error;
    }),
  ]);
  if (!head) return { outcome: "missing", upload };
  // HEAD saw the object but the ranged GET did not: an eventually consistent store that
  // has not caught up. Try again later; rejecting would delete a valid file.
  if (!first && head.size > 0) {
    throw new ApiError("unavailable", "The stored file is not readable yet; try again in a moment.", { retryable: true });
  }

  const plan = getPlan(upload.plan);
  let problem: string | null = null;
  let realType: string | null = null;
  if (head.size !== upload.declaredSize) {
    problem = `The stored file is ${head.size} bytes but ${upload.declaredSize} were declared.`;
  } else if (head.size > plan.maxFileSize) {
    problem = `The file exceeds the ${plan.label} plan's size limit.`;
  } else {
    const detected = first ? await detectType(first, (offset, length) => readRange(upload.storageKey, offset, length), head.size) : null;
    realType = detected?.mime ?? null;
    if (!detected) problem = "The file's contents are not a recognised video, audio, image or PDF format.";
    else if (!isTypeAllowed(plan, detected.mime)) problem = `Files of type ${detected.mime} are not allowed on the ${plan.label} plan.`;
    else if (!typeMatches(upload.declaredType, detected)) problem = `The file was declared as ${upload.declaredType} but its contents are ${detected.mime}.`;
  }

  if (problem) {
    // The bytes are quarantined, not deleted: kept in place for a grace period, visible
    // to admins (who can inspect, or rescue a file detection got wrong), then deleted by
    // the sweep (lib/sweep/purge-quarantine.ts). A wrong verdict must not lose a file.
    const quarantineUntil = new Date(Date.now() + getEnv().REJECTED_QUARANTINE_HOURS * 3_600_000);
    const rejected = await transitionUpload({
      id: upload.id,
      from: ["pending"],
      to: "rejected",
      set: { rejectReason: problem, realSize: head.size, realType, source, etag: head.etag, quarantineUntil },
      event: { type: "rejected", source, detail: { reason: problem, size: head.size, realType, quarantineUntil: quarantineUntil.toISOString() } },
    });
    if (!rejected) return { outcome: "unchanged", upload: (await getUploadById(upload.id)) ?? upload };
    return { outcome: "rejected", upload: rejected, reason: problem };
  }

  const confirmed = await transitionUpload({
    id: upload.id,
    from: ["pending"],
    to: "uploaded",
    set: { source, realType, realSize: head.size, etag: head.etag },
    // bytesAt (the object's Last-Modified, second precision) lets the dashboard measure
    // how long each trigger source took to notice the bytes.
    event: { type: "uploaded", source, detail: { size: head.size, realType, etag: head.etag, bytesAt: head.lastModified?.toISOString() ?? null, noticedBy } },
  });
  if (!confirmed) return { outcome: "unchanged", upload: (await getUploadById(upload.id)) ?? upload };
  return publishUpload(confirmed);
}

function isUnsatisfiableRange(error: unknown): boolean {
  return (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode === 416;
}

export function jobPayloadFor(upload: UploadRow, replay = 0): JobPayload {
  return {
    v: 1,
    uploadId: upload.id,
    bucket: upload.bucket,
    key: upload.storageKey,
    size: upload.realSize ?? upload.declaredSize,
    type: upload.realType ?? upload.declaredType,
    etag: upload.etag ?? "",
    userId: upload.ownerId,
    projectId: upload.projectId,
    plan: upload.plan,
    options: ANALYSIS_OPTIONS.parse(upload.options ?? {}),
    confirmedBy: upload.source ?? "client",
    replay,
  };
}

/**
 * Publishes the job for an `uploaded` row. A failed publish leaves the row `uploaded`
 * (the bytes are safe) for the sweep's outbox pass; the caller still sees success.
 */
export async function publishUpload(upload: UploadRow, opts: { dedupId?: string } = {}): Promise<ConfirmOutcome> {
  let messageId: string;
  try {
    messageId = await publishJob(jobPayloadFor(upload), opts);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    log.error("publish failed; the sweep retries it", { uploadId: upload.id, source: upload.source, error: message });
    await recordPublishFailure(upload.id, message);
    return { outcome: "uploaded", upload };
  }
  const event = { type: "queued", source: "pipeline", detail: { messageId, queue: getPlan(upload.plan).queue } };
  const queued = await transitionUpload({
    id: upload.id,
    from: ["uploaded"],
    to: "queued",
    set: { qstashMessageId: messageId, lastPublishError: null },
    event,
  });
  if (queued) return { outcome: "queued", upload: queued };
  const current = (await getUploadById(upload.id)) ?? upload;
  // A fast queue can deliver, and the worker claim `uploaded → processing`, before the
  // transition above runs. The job was still handed over: the timeline must say so.
  if (HANDED_OVER.has(current.status)) {
    await recordLateQueuedEvent(upload.id, { ...event, detail: { ...event.detail, recordedAfter: current.status } });
    return { outcome: "queued", upload: current };
  }
  return { outcome: "unchanged", upload: current };
}

const HANDED_OVER = new Set(["processing", "processed", "failed"]);
