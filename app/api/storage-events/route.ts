import { ApiError, errorResponse } from "@/lib/api/errors";
import { nonRetryableResponse } from "@/lib/api/with-qstash";
import { withStorageEvent } from "@/lib/api/with-storage-event";
import { confirmSubscription } from "@/lib/storage-events/confirm-subscription";
import { handleStorageEvents, storageEventsEnabled } from "@/lib/storage-events/handle-storage-events";
import { MalformedEventError, type ParsedDelivery, parseStorageDelivery } from "@/lib/storage-events/parse-storage-event";

export const runtime = "nodejs";

/** S3-style notifications (AWS, Ceph), SNS envelopes and EventBridge events, signed by QStash or carrying the shared secret. */
export const POST = withStorageEvent(async ({ body, via }) => {
  let parsed: ParsedDelivery;
  try {
    parsed = parseStorageDelivery(body);
  } catch (error) {
    if (!(error instanceof MalformedEventError)) throw error;
    // Retrying a body we cannot read would only repeat the failure.
    return via === "qstash" ? nonRetryableResponse(error.message) : errorResponse(new ApiError("unprocessable_entity", error.message));
  }
  if (parsed.type === "subscription") return Response.json(await confirmSubscription(parsed.subscribeUrl, parsed.topicArn));
  if (!storageEventsEnabled()) return Response.json({ disabled: true, results: [] });
  const results = await handleStorageEvents(parsed.events);
  return Response.json({ results, ignored: parsed.ignored });
});
