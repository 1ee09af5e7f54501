import { readFileSync } from "node:fs";
import { HeadObjectCommand, UploadPartCommand } from "@aws-sdk/client-s3";
import { beforeAll, describe, expect, it } from "vitest";
import * as completeRoute from "@/app/api/uploads/[id]/complete/route";
import * as partsRoute from "@/app/api/uploads/[id]/parts/route";
import * as uploadsRoute from "@/app/api/uploads/route";
import { getUploadById } from "@/lib/db/queries/uploads";
import { listAllParts } from "@/lib/storage/objects";
import { getBucket, getS3 } from "@/lib/storage/s3-client";
import { partLengthFor, partSizeFor } from "@/lib/uploads/part-size";
import { URL_TTL_MAX_SECONDS, URL_TTL_MIN_SECONDS, urlLifetimeSeconds } from "@/lib/uploads/url-lifetime";
import { createTestUser, type TestUser } from "../helpers/auth";
import { callRoute } from "../helpers/requests";
import { MiB } from "./fixtures";

// Every case here passed before its fix: a part URL took 200 MiB, and a single-PUT URL
// replaced a processed file's bytes after confirm.

const PNG = new Uint8Array(readFileSync(new URL("../fixtures/sample.png", import.meta.url)));
const OTHER_PNG = PNG.map((b, i) => (i === PNG.length - 20 ? b ^ 0xff : b));

let user: TestUser;
beforeAll(async () => {
  user = await createTestUser({ plan: "pro" });
});

async function create(size: number, type = "video/mp4") {
  const res = await callRoute(uploadsRoute.POST, { method: "POST", cookie: user.cookie, body: { name: "f.mp4", type, size, projectId: user.projectId } });
  expect(res.status).toBe(201);
  return res.body;
}

const expiresOf = (url: string) => Number(new URL(url).searchParams.get("X-Amz-Expires"));

describe("part URLs bind their exact length", () => {
  it("refuses a body longer or shorter than its part, and takes exactly the part (shown against Ceph)", async () => {
    const size = 4 * 5 * MiB + 1234; // four full parts and a 1234-byte remainder
    const created = await create(size);
    const part1 = created.signed.parts.find((p: { partNumber: number }) => p.partNumber === 1).url;
    const partSize = partSizeFor(size);

    const longer = await fetch(part1, { method: "PUT", body: new Uint8Array(partSize + 1) });
    expect(longer.status).toBe(403);
    const huge = await fetch(part1, { method: "PUT", body: new Uint8Array(40 * MiB) });
    expect(huge.status).toBe(403);
    const shorter = await fetch(part1, { method: "PUT", body: new Uint8Array(partSize - 1) });
    expect(shorter.status).toBe(403);
    expect(await listAllParts(created.multipart.key, created.multipart.uploadId)).toEqual([]);

    const exact = await fetch(part1, { method: "PUT", body: new Uint8Array(partSize) });
    expect(exact.status).toBe(200);
    const parts = await listAllParts(created.multipart.key, created.multipart.uploadId);
    expect(parts.map((p) => [p.partNumber, p.size])).toEqual([[1, partSize]]);
  });

  it("signs the last part for its remainder", async () => {
    const size = 4 * 5 * MiB + 1234;
    const created = await create(size);
    const signed = await callRoute(partsRoute.POST, { method: "POST", cookie: user.cookie, params: { id: created.upload.id }, body: { partNumbers: [5] } });
    expect(signed.status).toBe(200);
    const last = signed.body.parts[0].url;
    expect(partLengthFor(size, 5)).toBe(1234);
    expect((await fetch(last, { method: "PUT", body: new Uint8Array(5 * MiB) })).status).toBe(403);
    expect((await fetch(last, { method: "PUT", body: new Uint8Array(1234) })).status).toBe(200);
  });

  it("makes /complete check every part's size from ListParts", async () => {
    const size = 4 * 5 * MiB + 1234;
    const created = await create(size);
    const { key, uploadId } = created.multipart;
    // Bytes that did not come through our URLs (someone holding the S3 credentials, or an older URL): part 2 too big.
    const put = (n: number, bytes: number) =>
      getS3().send(new UploadPartCommand({ Bucket: getBucket(), Key: key, UploadId: uploadId, PartNumber: n, Body: new Uint8Array(bytes) }));
    await put(1, 5 * MiB);
    await put(2, 5 * MiB + 1234);
    await put(3, 5 * MiB);
    await put(4, 5 * MiB);
    await put(5, 1234);
    const res = await callRoute(completeRoute.POST, { method: "POST", cookie: user.cookie, params: { id: created.upload.id }, body: {} });
    expect(res.status).toBe(409);
    expect(res.body.error.message).toMatch(/^Part 2 holds 5244114 bytes \(5242880 bytes expected\)/);
    expect(res.body.error.details.wrongParts).toContain(2);
    expect((await getUploadById(created.upload.id))!.status).toBe("pending");
  });

  it("gives URLs a lifetime from the expected transfer time, not a flat hour", async () => {
    const small = await create(1000, "image/png");
    expect(expiresOf(small.put.url)).toBe(urlLifetimeSeconds(1000));
    expect(expiresOf(small.put.url)).toBe(URL_TTL_MIN_SECONDS);
    const big = await create(150 * 1024 ** 3);
    const batch = await callRoute(partsRoute.POST, {
      method: "POST",
      cookie: user.cookie,
      params: { id: big.upload.id },
      body: { partNumbers: Array.from({ length: 100 }, (_, i) => i + 1) },
    });
    const partSize = partSizeFor(150 * 1024 ** 3);
    expect(expiresOf(batch.body.parts[0].url)).toBe(urlLifetimeSeconds(100 * partSize));
    expect(expiresOf(batch.body.parts[0].url)).toBeGreaterThan(expiresOf(big.signed.parts[0].url));
    expect(expiresOf(batch.body.parts[0].url)).toBeLessThanOrEqual(URL_TTL_MAX_SECONDS);
    expect(Date.parse(batch.body.expiresAt) - Date.now()).toBeLessThanOrEqual(urlLifetimeSeconds(100 * partSize) * 1000);
  });
});

describe("a single-PUT URL creates the object once", () => {
  it("cannot change a confirmed object: a second PUT to the same URL is refused (412) and the bytes stay", async () => {
    const created = await create(PNG.length, "image/png");
    expect(created.put.headers["if-none-match"]).toBe("*");
    const first = await fetch(created.put.url, { method: "PUT", headers: created.put.headers, body: PNG });
    expect(first.status).toBe(200);
    const done = await callRoute(completeRoute.POST, { method: "POST", cookie: user.cookie, params: { id: created.upload.id }, body: {} });
    expect(done.status).toBe(200);
    const before = await getS3().send(new HeadObjectCommand({ Bucket: getBucket(), Key: created.upload.key }));

    const again = await fetch(created.put.url, { method: "PUT", headers: created.put.headers, body: OTHER_PNG });
    expect(again.status).toBe(412);
    // Dropping the header breaks the signature instead.
    const bare = await fetch(created.put.url, { method: "PUT", headers: { "content-type": "image/png" }, body: OTHER_PNG });
    expect(bare.status).toBe(403);
    const after = await getS3().send(new HeadObjectCommand({ Bucket: getBucket(), Key: created.upload.key }));
    expect(after.ETag).toBe(before.ETag);
    expect((await getUploadById(created.upload.id))!.etag).toBe(before.ETag!.replaceAll('"', ""));
  });
});
