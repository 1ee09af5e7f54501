// Idempotent bucket setup (CORS, lifecycle) and RGW event notifications.
// configureBucket is provider-neutral (also used against AWS/R2/MinIO by the setup
// command); configureNotifications is the Ceph RGW SNS-compatible flavour.
import { createHash } from "node:crypto";
import {
  CreateBucketCommand,
  GetBucketNotificationConfigurationCommand,
  HeadBucketCommand,
  PutBucketCorsCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketNotificationConfigurationCommand,
  S3Client,
  type S3ClientConfig,
  type TopicConfiguration,
} from "@aws-sdk/client-s3";
import { CreateTopicCommand, SNSClient } from "@aws-sdk/client-sns";

export const DEFAULT_REGION = "us-east-1";
export const ABORT_INCOMPLETE_MULTIPART_DAYS = 1;
const CORS_MAX_AGE_SECONDS = 3600;

export interface S3Target {
  endpoint: string;
  accessKey: string;
  secretKey: string;
  region?: string;
}

export interface BucketConfig extends S3Target {
  bucket: string;
  corsOrigins: string[];
}

export interface NotificationConfig extends S3Target {
  bucket: string;
  topicName: string;
  /** http(s) URL RGW POSTs S3-style event records to. */
  pushEndpoint: string;
  /**
   * Non-persistent: delivered inline with the request (tens of ms), lost while the
   * endpoint is down. Persistent: queued in RADOS and retried (seconds), may duplicate.
   */
  persistent: boolean;
  events?: string[];
}

/**
 * Client settings for S3-compatible endpoints. Path-style because RGW here has no
 * rgw_dns_name/wildcard DNS. Checksums only when an operation requires them: with the
 * SDK default, presigned PUT URLs carry the CRC32 of an empty body and stores reject
 * the real upload.
 */
export function s3ClientConfig(t: S3Target): S3ClientConfig {
  return {
    endpoint: t.endpoint,
    region: t.region ?? DEFAULT_REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: t.accessKey, secretAccessKey: t.secretKey },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  };
}

/**
 * Ceph RGW 16 rejects PutBucketLifecycleConfiguration (and checks PutBucketCors) without
 * Content-MD5, but current SDKs send only x-amz-checksum-crc32. AWS accepts both headers.
 */
function addContentMd5(client: S3Client) {
  client.middlewareStack.add(
    (next) => async (args) => {
      const req = args.request as { headers?: Record<string, string>; body?: unknown };
      if (req.headers && (typeof req.body === "string" || req.body instanceof Uint8Array)) {
        const has = Object.keys(req.headers).some((h) => h.toLowerCase() === "content-md5");
        if (!has) req.headers["content-md5"] = createHash("md5").update(req.body).digest("base64");
      }
      return next(args);
    },
    { step: "build", name: "biblioContentMd5", priority: "low" },
  );
  return client;
}

function isStatus(e: unknown, ...codes: number[]) {
  const s = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return s !== undefined && codes.includes(s);
}

export async function configureBucket(opts: BucketConfig): Promise<void> {
  const s3 = addContentMd5(new S3Client(s3ClientConfig(opts)));
  try {
    try {
      await s3.send(new HeadBucketCommand({ Bucket: opts.bucket }));
    } catch (e) {
      if (!isStatus(e, 404)) throw e;
      try {
        await s3.send(new CreateBucketCommand({ Bucket: opts.bucket }));
      } catch (e2) {
        if ((e2 as Error).name !== "BucketAlreadyOwnedByYou") throw e2;
      }
    }
    // PUT replaces the whole configuration, so repeating it is idempotent.
    await s3.send(
      new PutBucketCorsCommand({
        Bucket: opts.bucket,
        CORSConfiguration: {
          CORSRules: [
            {
              ID: "biblio-browser-uploads",
              AllowedOrigins: opts.corsOrigins,
              AllowedMethods: ["PUT", "GET", "HEAD"],
              AllowedHeaders: ["*"],
              // Uppy's multipart upload reads each part's ETag from the browser response.
              ExposeHeaders: ["ETag"],
              MaxAgeSeconds: CORS_MAX_AGE_SECONDS,
            },
          ],
        },
      }),
    );
    await s3.send(
      new PutBucketLifecycleConfigurationCommand({
        Bucket: opts.bucket,
        LifecycleConfiguration: {
          Rules: [
            {
              ID: "abort-incomplete-multipart",
              Status: "Enabled",
              Filter: { Prefix: "" },
              AbortIncompleteMultipartUpload: { DaysAfterInitiation: ABORT_INCOMPLETE_MULTIPART_DAYS },
            },
          ],
        },
      }),
    );
  } finally {
    s3.destroy();
  }
}

/**
 * Creates (or updates) an RGW topic and attaches an ObjectCreated notification to the
 * bucket. Idempotent. Returns the topic ARN.
 *
 * RGW 16 copies the topic into the bucket notification when the notification is put, so
 * after changing a topic's push-endpoint the notification must be put again — which this
 * always does.
 */
export async function configureNotifications(opts: NotificationConfig): Promise<string> {
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
    const id = `${opts.topicName}-${opts.bucket}`;
    const current = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: opts.bucket }));
    // Keep notifications that belong to other topics; PUT replaces the configuration on AWS.
    const others: TopicConfiguration[] = (current.TopicConfigurations ?? []).filter((t) => t.Id !== id);
    await s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: opts.bucket,
        NotificationConfiguration: {
          TopicConfigurations: [
            ...others,
            { Id: id, TopicArn: topicArn, Events: (opts.events ?? ["s3:ObjectCreated:*"]) as TopicConfiguration["Events"] },
          ],
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
 * Removes every notification from the bucket (topics stay). RGW 16 rejects the AWS way
 * (PUT of an empty NotificationConfiguration → MalformedXML) and instead offers the
 * non-AWS `DELETE /<bucket>?notification`, which the SDK has no command for: reuse the
 * GET command and turn it into a DELETE before it is signed.
 */
export async function removeNotifications(opts: S3Target & { bucket: string }): Promise<void> {
  const s3 = new S3Client(s3ClientConfig(opts));
  s3.middlewareStack.add(
    (next) => (args) => {
      (args.request as { method: string }).method = "DELETE";
      return next(args);
    },
    { step: "build", name: "biblioDeleteNotification" },
  );
  try {
    await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: opts.bucket }));
  } finally {
    s3.destroy();
  }
}
