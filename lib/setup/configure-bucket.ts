// Provider-neutral bucket setup (AWS S3, R2, MinIO, Ceph): the production copy of the
// generic part of dev/stack/ceph-bucket.ts, since the app must not import dev/.
import { createHash } from "node:crypto";
import { CreateBucketCommand, HeadBucketCommand, PutBucketCorsCommand, PutBucketLifecycleConfigurationCommand, S3Client } from "@aws-sdk/client-s3";
import { type S3Target, s3ClientConfig } from "../storage/s3-config";

export const ABORT_INCOMPLETE_MULTIPART_DAYS = 1;
const CORS_MAX_AGE_SECONDS = 3600;

/**
 * Ceph RGW 16 rejects PutBucketLifecycleConfiguration (and checks PutBucketCors) without
 * Content-MD5, but current SDKs send only x-amz-checksum-crc32. AWS accepts both headers.
 */
function withContentMd5(client: S3Client): S3Client {
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

function httpStatus(e: unknown): number | undefined {
  return (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

/**
 * Creates the bucket if missing, then puts CORS (browsers read each part's ETag) and a
 * lifecycle rule that aborts incomplete multipart uploads. PUT replaces each whole
 * configuration, so running it again is idempotent.
 */
export async function configureBucket(opts: S3Target & { bucket: string; corsOrigins: string[] }): Promise<void> {
  const s3 = withContentMd5(new S3Client(s3ClientConfig(opts)));
  try {
    try {
      await s3.send(new HeadBucketCommand({ Bucket: opts.bucket }));
    } catch (e) {
      if (httpStatus(e) !== 404) throw e;
      try {
        await s3.send(new CreateBucketCommand({ Bucket: opts.bucket }));
      } catch (e2) {
        if ((e2 as Error).name !== "BucketAlreadyOwnedByYou") throw e2;
      }
    }
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
