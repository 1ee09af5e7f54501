import { S3Client, type S3ClientConfig } from "@aws-sdk/client-s3";
import { getEnv } from "@/lib/env";
import { s3ClientConfig } from "./s3-config";
import { SyncSha256 } from "./sync-sha256";

let client: S3Client | undefined;
let presignClient: S3Client | undefined;

/** The one S3 client. Web APIs only, so it runs on Edge and Node alike. */
export function getS3(): S3Client {
  client ??= new S3Client(clientConfig());
  return client;
}

/** The client presigned URLs are made with: the same settings, hashing synchronously (see SyncSha256). */
export function getPresignS3(): S3Client {
  presignClient ??= new S3Client({ ...clientConfig(), sha256: SyncSha256 });
  return presignClient;
}

function clientConfig(): S3ClientConfig {
  const env = getEnv();
  return {
    ...s3ClientConfig({
      endpoint: env.S3_ENDPOINT,
      region: env.S3_REGION,
      accessKey: env.S3_ACCESS_KEY_ID,
      secretKey: env.S3_SECRET_ACCESS_KEY,
      forcePathStyle: env.S3_FORCE_PATH_STYLE,
    }),
    // Bounds (issue 13): a paused or unreachable store fails in seconds, not minutes. The
    // request timeout is the longest silence on the socket (Node) so a long streamed GET
    // is fine; the SDK builds its default handler (Node or fetch) from these settings.
    requestHandler: { connectionTimeout: env.S3_CONNECT_TIMEOUT_MS, requestTimeout: env.S3_REQUEST_TIMEOUT_MS, throwOnRequestTimeout: true },
    maxAttempts: env.S3_MAX_ATTEMPTS,
  };
}

export function getBucket(): string {
  return getEnv().S3_BUCKET;
}
