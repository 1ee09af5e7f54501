// Bucket notifications for S3 stores that speak the SNS-compatible topic API on their own
// endpoint (Ceph RGW). AWS S3 is wired through EventBridge instead (see README): that
// needs an EventBridge rule and API destination, which are account-level resources.
import { GetBucketNotificationConfigurationCommand, PutBucketNotificationConfigurationCommand, S3Client, type TopicConfiguration } from "@aws-sdk/client-s3";
import { CreateTopicCommand, DeleteTopicCommand, SNSClient } from "@aws-sdk/client-sns";
import { type S3Target, s3ClientConfig } from "../storage/s3-config";

/** ObjectCreated:Put and CompleteMultipartUpload (Ceph names both under ObjectCreated:*), plus deletes for the timeline. */
export const NOTIFIED_EVENTS = ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"] as const;

export type TopicNotification = S3Target & {
  bucket: string;
  topicName: string;
  /** The http(s) URL the store POSTs `{"Records":[…]}` to. */
  pushEndpoint: string;
  /**
   * Ceph: a non-persistent topic is pushed inline (the uploader's PUT waits for the
   * endpoint's answer, ~60 ms) and lost while the endpoint is down; a persistent one is
   * queued and retried (~14–28 s) and may duplicate.
   */
  persistent: boolean;
};

/**
 * Creates (or updates) the topic and attaches it to the bucket, keeping notifications of
 * other topics. Idempotent. RGW copies the topic into the notification when it is put, so
 * the notification is always put again after the topic changed.
 */
export async function configureTopicNotification(opts: TopicNotification): Promise<string> {
  const cfg = s3ClientConfig(opts);
  const sns = new SNSClient({ endpoint: cfg.endpoint, region: cfg.region, credentials: cfg.credentials });
  const s3 = new S3Client(cfg);
  try {
    const topic = await sns.send(
      new CreateTopicCommand({
        Name: opts.topicName,
        Attributes: { "push-endpoint": opts.pushEndpoint, persistent: String(opts.persistent) },
      }),
    );
    const topicArn = topic.TopicArn;
    if (!topicArn) throw new Error(`CreateTopic ${opts.topicName} returned no TopicArn`);
    const id = notificationId(opts.topicName, opts.bucket);
    const current = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: opts.bucket }));
    const others: TopicConfiguration[] = (current.TopicConfigurations ?? []).filter((t) => t.Id !== id);
    await s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: opts.bucket,
        NotificationConfiguration: {
          TopicConfigurations: [...others, { Id: id, TopicArn: topicArn, Events: [...NOTIFIED_EVENTS] as TopicConfiguration["Events"] }],
        },
      }),
    );
    return topicArn;
  } finally {
    sns.destroy();
    s3.destroy();
  }
}

/**
 * Removes every notification of the bucket and deletes the topic. RGW 16 rejects the
 * AWS way (PUT of an empty configuration → MalformedXML) and offers the non-AWS
 * `DELETE /<bucket>?notification`, which the SDK has no command for: the GET command is
 * turned into a DELETE before it is signed.
 */
export async function removeTopicNotification(opts: S3Target & { bucket: string; topicArn?: string }): Promise<void> {
  const cfg = s3ClientConfig(opts);
  const s3 = new S3Client(cfg);
  s3.middlewareStack.add(
    (next) => (args) => {
      (args.request as { method: string }).method = "DELETE";
      return next(args);
    },
    { step: "build", name: "biblioDeleteNotification" },
  );
  const sns = new SNSClient({ endpoint: cfg.endpoint, region: cfg.region, credentials: cfg.credentials });
  try {
    await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: opts.bucket }));
    if (opts.topicArn) await sns.send(new DeleteTopicCommand({ TopicArn: opts.topicArn }));
  } finally {
    s3.destroy();
    sns.destroy();
  }
}

function notificationId(topicName: string, bucket: string): string {
  return `${topicName}-${bucket}`;
}
