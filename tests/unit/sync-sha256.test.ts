import { createHash, createHmac } from "node:crypto";
import { PutObjectCommand, S3Client, UploadPartCommand } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { describe, expect, it } from "vitest";
import { SyncSha256 } from "@/lib/storage/sync-sha256";

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

describe("SyncSha256", () => {
  it("matches node:crypto for SHA-256 and HMAC-SHA-256, across updates and resets", async () => {
    const plain = new SyncSha256();
    plain.update("canonical ");
    plain.update(new TextEncoder().encode("request"));
    expect(hex(await plain.digest())).toBe(createHash("sha256").update("canonical request").digest("hex"));
    plain.reset();
    expect(hex(await plain.digest())).toBe(createHash("sha256").digest("hex"));

    const keyed = new SyncSha256("AWS4secret");
    keyed.update(new Uint8Array([1, 2, 3]).buffer);
    expect(hex(await keyed.digest())).toBe(
      createHmac("sha256", "AWS4secret")
        .update(Buffer.from([1, 2, 3]))
        .digest("hex"),
    );
  });

  it("gives presigned URLs identical to the SDK's default hashing", async () => {
    const config = {
      endpoint: "http://127.0.0.1:7480",
      region: "us-east-1",
      forcePathStyle: true,
      credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" },
    };
    const signingDate = new Date("2026-11-26T08:00:00Z");
    const plainClient = new S3Client(config);
    const syncClient = new S3Client({ ...config, sha256: SyncSha256 });
    const options = { expiresIn: 900, signingDate };
    const part = () => new UploadPartCommand({ Bucket: "b", Key: "uploads/upl_1/clip (1).mp4", UploadId: "2~abc", PartNumber: 7 });
    expect(await getSignedUrl(syncClient, part(), options)).toBe(await getSignedUrl(plainClient, part(), options));
    const put = () => new PutObjectCommand({ Bucket: "b", Key: "uploads/upl_2/ä.png", ContentType: "image/png", ContentLength: 42 });
    expect(await getSignedUrl(syncClient, put(), options)).toBe(await getSignedUrl(plainClient, put(), options));
  });
});
