import { S3Client } from "@aws-sdk/client-s3";

/** The e2e stack's bucket, for checking what the app left in it (the env comes from ./dev/test e2e). */
export function storeClient(): S3Client {
  const env = process.env;
  if (!env.S3_ENDPOINT || !env.S3_BUCKET) throw new Error("S3_* is not set: run the e2e tests through ./dev/test e2e");
  return new S3Client({
    endpoint: env.S3_ENDPOINT,
    region: env.S3_REGION ?? "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: env.S3_ACCESS_KEY_ID!, secretAccessKey: env.S3_SECRET_ACCESS_KEY! },
  });
}
