import { createHash } from "node:crypto";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { PermanentJobError } from "@/lib/jobs/job-errors";
import { getS3 } from "@/lib/storage/s3-client";
import type { ChecksumResult, Processor, ProcessorContext } from "./processor";

const MULTIPART_ETAG = /-(\d+)$/;

/**
 * SHA-256 of the whole object, streamed through one GET and never buffered whole. A
 * single-part ETag is the object's MD5, so MD5 runs in the same pass and is compared.
 */
export async function computeChecksum(ctx: ProcessorContext): Promise<ChecksumResult> {
  const { bucket, key, etag, size } = ctx.payload;
  const multipart = MULTIPART_ETAG.exec(etag);
  const out = await getS3()
    .send(
      // If-Match: hash the object that was confirmed, not one written over it since.
      new GetObjectCommand({ Bucket: bucket, Key: key, ...(etag ? { IfMatch: `"${etag}"` } : {}) }),
      { abortSignal: ctx.signal },
    )
    .catch((error: { name?: string; $metadata?: { httpStatusCode?: number } }) => {
      if (error?.name === "PreconditionFailed" || error?.$metadata?.httpStatusCode === 412) {
        throw new PermanentJobError("The stored file changed after the upload was confirmed.", "object_changed");
      }
      throw error;
    });
  if (!out.Body) throw new Error("GetObject returned no body");

  const sha256 = createHash("sha256");
  const md5 = etag && !multipart ? createHash("md5") : null;
  let bytes = 0;
  for await (const chunk of out.Body as AsyncIterable<Uint8Array>) {
    sha256.update(chunk);
    md5?.update(chunk);
    bytes += chunk.byteLength;
  }
  ctx.countBytes(bytes);
  if (bytes !== size) {
    throw new PermanentJobError(`The stored file is ${bytes} bytes but ${size} were confirmed.`, "size_changed");
  }

  const result: ChecksumResult = { sha256: sha256.digest("hex"), bytes };
  if (md5) {
    result.md5 = md5.digest("hex");
    result.etagMatches = result.md5 === etag.toLowerCase();
  } else {
    result.etagNotCompared = multipart ? `multipart (${multipart[1]} parts)` : "no ETag recorded";
  }
  if (result.etagMatches === false) {
    throw new PermanentJobError("The file's MD5 does not match the ETag storage reported: the bytes are corrupt.", "etag_mismatch");
  }
  return result;
}

export const CHECKSUM_PROCESSOR: Processor<ChecksumResult> = { name: "checksum", run: computeChecksum };
