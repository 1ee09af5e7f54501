import { z } from "zod";

/** One object change, whatever envelope carried it (S3 Records, SNS, EventBridge). */
export type StorageEvent = {
  kind: "created" | "removed";
  bucket: string | null;
  key: string;
  size: number | null;
  etag: string | null;
  /** The provider's own name, e.g. `ObjectCreated:CompleteMultipartUpload`. */
  name: string;
  at: string | null;
};

export type ParsedDelivery =
  | { type: "events"; events: StorageEvent[]; ignored: number }
  | { type: "subscription"; subscribeUrl: string; topicArn: string | null };

const RECORD = z.object({
  eventSource: z.string().optional(),
  eventName: z.string(),
  eventTime: z.string().optional(),
  s3: z.object({
    bucket: z.object({ name: z.string() }).partial().optional(),
    object: z.object({
      key: z.string().min(1),
      size: z.number().nonnegative().optional(),
      // AWS quotes nothing here; Ceph leaves the multipart ETag unquoted too. Either way it is informational.
      eTag: z.string().optional(),
    }),
  }),
});

const RECORDS = z.object({ Records: z.array(z.unknown()) });

const SNS = z.object({
  Type: z.enum(["Notification", "SubscriptionConfirmation", "UnsubscribeConfirmation"]),
  Message: z.string().optional(),
  SubscribeURL: z.string().optional(),
  TopicArn: z.string().optional(),
});

const EVENT_BRIDGE = z.object({
  "detail-type": z.string(),
  source: z.string(),
  time: z.string().optional(),
  detail: z.object({
    bucket: z.object({ name: z.string() }),
    object: z.object({ key: z.string().min(1), size: z.number().nonnegative().optional(), etag: z.string().optional() }),
    reason: z.string().optional(),
  }),
});

export class MalformedEventError extends Error {}

/**
 * Turns any supported delivery body into object events. Records that are not object
 * creations or removals (restores, tagging, S3's `s3:TestEvent`) are counted as ignored.
 */
export function parseStorageDelivery(body: unknown): ParsedDelivery {
  const sns = SNS.safeParse(body);
  if (sns.success) {
    if (sns.data.Type === "SubscriptionConfirmation") {
      if (!sns.data.SubscribeURL) throw new MalformedEventError("SubscriptionConfirmation without SubscribeURL");
      return { type: "subscription", subscribeUrl: sns.data.SubscribeURL, topicArn: sns.data.TopicArn ?? null };
    }
    if (sns.data.Type === "UnsubscribeConfirmation" || !sns.data.Message) return { type: "events", events: [], ignored: 1 };
    let inner: unknown;
    try {
      inner = JSON.parse(sns.data.Message);
    } catch {
      throw new MalformedEventError("SNS Message is not JSON");
    }
    return parseStorageDelivery(inner);
  }

  const bridge = EVENT_BRIDGE.safeParse(body);
  if (bridge.success) {
    const { detail } = bridge.data;
    const type = bridge.data["detail-type"];
    const kind = type === "Object Created" ? "created" : type === "Object Deleted" ? "removed" : null;
    if (bridge.data.source !== "aws.s3" || !kind) return { type: "events", events: [], ignored: 1 };
    return {
      type: "events",
      ignored: 0,
      events: [
        {
          kind,
          bucket: detail.bucket.name,
          key: detail.object.key,
          size: detail.object.size ?? null,
          etag: detail.object.etag ?? null,
          name: `${type}:${detail.reason ?? ""}`,
          at: bridge.data.time ?? null,
        },
      ],
    };
  }

  const records = RECORDS.safeParse(body);
  if (records.success) {
    const events: StorageEvent[] = [];
    let ignored = 0;
    for (const raw of records.data.Records) {
      const record = RECORD.safeParse(raw);
      if (!record.success) throw new MalformedEventError(`Malformed record: ${record.error.issues[0]?.path.join(".")}`);
      const r = record.data;
      const kind = /ObjectCreated:/.test(r.eventName) ? "created" : /ObjectRemoved:/.test(r.eventName) ? "removed" : null;
      if (!kind) {
        ignored++;
        continue;
      }
      events.push({
        kind,
        bucket: r.s3.bucket?.name ?? null,
        key: r.eventSource === "aws:s3" ? decodeAwsKey(r.s3.object.key) : r.s3.object.key,
        size: r.s3.object.size ?? null,
        etag: r.s3.object.eTag ? r.s3.object.eTag.replaceAll('"', "") : null,
        name: r.eventName.replace(/^s3:/, ""),
        at: r.eventTime ?? null,
      });
    }
    return { type: "events", events, ignored };
  }

  // S3 sends `{"Service":"Amazon S3","Event":"s3:TestEvent",…}` when a notification is created.
  if (body && typeof body === "object" && (body as { Event?: unknown }).Event === "s3:TestEvent") return { type: "events", events: [], ignored: 1 };
  throw new MalformedEventError("Not an S3 event notification, SNS envelope or EventBridge event");
}

/** AWS form-encodes keys in notifications (spaces as `+`); Ceph sends them raw. */
function decodeAwsKey(key: string): string {
  try {
    return decodeURIComponent(key.replace(/\+/g, " "));
  } catch {
    return key;
  }
}

/** Only SNS itself may be asked to confirm a subscription: an https URL on an amazonaws.com SNS host. */
export function isTrustedSubscribeUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === "https:" && /^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/.test(u.hostname) && u.searchParams.get("Action") === "ConfirmSubscription";
  } catch {
    return false;
  }
}
