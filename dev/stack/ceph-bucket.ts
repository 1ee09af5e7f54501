// Idempotent bucket setup (CORS, lifecycle) and RGW event notifications.
// configureBucket is provider-neutral (also used against AWS/R2/MinIO by the setup
// command); configureNotifications is the Ceph RGW SNS-compatible flavour.

import { GetBucketNotificationConfigurationCommand, S3Client, type S3ClientConfig } from "@aws-sdk/client-s3";
import { configureBucket as configureBucketForSetup } from "../../lib/setup/configure-bucket";
import { configureTopicNotification } from "../../lib/setup/configure-notifications";

export const DEFAULT_REGION = "us-east-1";

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

/** The provider-neutral bucket setup of `npm run setup`, with the local Ceph's defaults. */
export async function configureBucket(opts: BucketConfig): Promise<void> {
  await configureBucketForSetup({
    endpoint: opts.endpoint,
    region: opts.region ?? DEFAULT_REGION,
    accessKey: opts.accessKey,
    secretKey: opts.secretKey,
    forcePathStyle: true,
    bucket: opts.bucket,
    corsOrigins: opts.corsOrigins,
  });
}

/**
 * Creates (or updates) an RGW topic and attaches an ObjectCreated notification to the
 * bucket. Idempotent. Returns the topic ARN.
 *
 * RGW 16 copies the topic into the bucket notification when the notification is put, so
 * after changing a topic's push-endpoint the notification must be put again — which this
 * always does.
 */
/** The topic and the bucket's notification, through the same code as `npm run setup`. */
export function configureNotifications(opts: NotificationConfig): Promise<string> {
  return configureTopicNotification({ ...opts, region: opts.region ?? DEFAULT_REGION, forcePathStyle: true });
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
