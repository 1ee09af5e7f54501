import type { S3ClientConfig } from "@aws-sdk/client-s3";

/** Where an S3-compatible store is and how to sign in to it. */
export type S3Target = { endpoint?: string; region: string; accessKey: string; secretKey: string; forcePathStyle: boolean };

/** Client settings for the app's S3 client and for `npm run setup` alike. */
export function s3ClientConfig(t: S3Target): S3ClientConfig {
  return {
    endpoint: t.endpoint,
    region: t.region,
    forcePathStyle: t.forcePathStyle,
    credentials: { accessKeyId: t.accessKey, secretAccessKey: t.secretKey },
    // Otherwise presigned URLs carry the CRC of an empty body, which real S3 rejects
    // once the browser PUTs actual bytes; Ceph also lacks the newer checksum headers.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  };
}
