import { S3Client } from "@aws-sdk/client-s3";
import { getEnv } from "@/lib/env";

let client: S3Client | undefined;

/** The one S3 client. Web APIs only, so it runs on Edge and Node alike. */
export function getS3(): S3Client {
  if (client) return client;
  const env = getEnv();
  client = new S3Client({
    endpoint: env.S3_ENDPOINT,
    region: env.S3_REGION,
    forcePathStyle: env.S3_FORCE_PATH_STYLE,
    credentials: { accessKeyId: env.S3_ACCESS_KEY_ID, secretAccessKey: env.S3_SECRET_ACCESS_KEY },
    // Otherwise presigned URLs carry the CRC of an empty body, which real S3 rejects
    // once the browser PUTs actual bytes; Ceph also lacks the newer checksum headers.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  return client;
}

export function getBucket(): string {
  return getEnv().S3_BUCKET;
}
