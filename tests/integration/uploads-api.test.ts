import { readFileSync } from "node:fs";
import { ListMultipartUploadsCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { Client } from "@upstash/qstash";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as projectsRoute from "@/app/api/projects/route";
import * as completeRoute from "@/app/api/uploads/[id]/complete/route";
import * as partsRoute from "@/app/api/uploads/[id]/parts/route";
import * as uploadRoute from "@/app/api/uploads/[id]/route";
import * as uploadsRoute from "@/app/api/uploads/route";
import { getUploadById, listUploadEvents } from "@/lib/db/queries/uploads";
import { getEnv } from "@/lib/env";
import { getQstash, replaceQstashClient } from "@/lib/queue/qstash-client";
import { headObject } from "@/lib/storage/objects";
import { getBucket, getS3 } from "@/lib/storage/s3-client";
import { createTestUser, type TestUser } from "../helpers/auth";
import { callRoute } from "../helpers/requests";

const MiB = 1024 * 1024;
// A real PNG: type detection reads the chunks, not just the 8-byte signature.
const PNG = new Uint8Array(readFileSync(new URL("../fixtures/sample.png", import.meta.url)));

function mp4Bytes(size: number): Uint8Array<ArrayBuffer> {
  const b = new Uint8Array(size);
  b.set([0, 0, 0, 0x20, ...new TextEncoder().encode("ftypisom")]);
  return b;
}

let owner: TestUser;
let other: TestUser;
let admin: TestUser;

beforeAll(async () => {
  [owner, other, admin] = await Promise.all([createTestUser(), createTestUser(), createTestUser({ role: "admin", plan: "pro" })]);
});

afterAll(() => replaceQstashClient(undefined));

async function create(user: TestUser, body: Record<string, unknown>) {
  return callRoute(uploadsRoute.POST, { method: "POST", cookie: user.cookie, body: { projectId: user.projectId, ...body } });
}

async function putSingle(url: string, headers: Record<string, string>, bytes: Uint8Array<ArrayBuffer>) {
  const res = await fetch(url, { method: "PUT", headers, body: bytes });
  expect(res.status).toBe(200);
}

/** Creates a single-PUT upload and PUTs `bytes` to its signed URL. */
async function createAndPut(user: TestUser, body: Record<string, unknown>, bytes: Uint8Array<ArrayBuffer>) {
  const created = await create(user, body);
  await putSingle(created.body.put.url, created.body.put.headers, bytes);
  return created;
}

async function complete(user: TestUser, id: string) {
  return callRoute(completeRoute.POST, { method: "POST", cookie: user.cookie, params: { id }, body: {} });
}

describe("create upload", () => {
  it("rejects anonymous callers with 401", async () => {
    const res = await callRoute(uploadsRoute.POST, { method: "POST", body: { name: "a.png", type: "image/png", size: 10, projectId: owner.projectId } });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe("unauthorized");
  });

  it("answers malformed JSON with 400 and bad fields with 422 naming the field", async () => {
    const bad = await callRoute(uploadsRoute.POST, { method: "POST", cookie: owner.cookie, rawBody: "{nope" });
    expect(bad.status).toBe(400);
    const zero = await create(owner, { name: "a.png", type: "image/png", size: 0 });
    expect(zero.status).toBe(422);
    expect(zero.body.error.message).toMatch(/^size:/);
    const extra = await create(owner, { name: "a.png", type: "image/png", size: 10, key: "uploads/mine" });
    expect(extra.status).toBe(422);
    const missing = await callRoute(uploadsRoute.POST, { method: "POST", cookie: owner.cookie, body: { name: "a.png" } });
    expect(missing.status).toBe(422);
  });

  it("refuses a file over the plan limit with a readable 413", async () => {
    const res = await create(owner, { name: "huge.mp4", type: "video/mp4", size: 6 * 1024 ** 3 });
    expect(res.status).toBe(413);
    expect(res.body.error.message).toBe("This file is 6.0 GiB; your Free plan allows files up to 5.0 GiB.");
  });

  it("refuses a disallowed type with 415", async () => {
    const res = await create(owner, { name: "a.zip", type: "application/zip", size: 100 });
    expect(res.status).toBe(415);
  });

  it("refuses a project the caller is not a member of with 404", async () => {
    const res = await callRoute(uploadsRoute.POST, {
      method: "POST",
      cookie: other.cookie,
      body: { name: "a.png", type: "image/png", size: 10, projectId: owner.projectId },
    });
    expect(res.status).toBe(404);
  });

  it("refuses cross-origin requests", async () => {
    const res = await callRoute(uploadsRoute.POST, {
      method: "POST",
      cookie: owner.cookie,
      headers: { origin: "https://evil.example" },
      body: { name: "a.png", type: "image/png", size: 10, projectId: owner.projectId },
    });
    expect(res.status).toBe(403);
  });

  it("chooses the key itself and keeps the display name", async () => {
    const res = await create(owner, { name: "../../etc/passwd .png", type: "image/png", size: PNG.length });
    expect(res.status).toBe(201);
    expect(res.body.upload.key).toMatch(/^uploads\/upl_[0-9a-f-]{36}\/passwd\.png$/);
    expect(res.body.upload.name).toBe("../../etc/passwd .png");
    expect(res.body.strategy).toBe("single");
  });
});

describe("single PUT upload", () => {
  it("completes to queued with one job, and a second complete adds nothing", async () => {
    const created = await createAndPut(owner, { name: "pic.png", type: "image/png", size: PNG.length }, PNG);
    const first = await complete(owner, created.body.upload.id);
    expect(first.status).toBe(200);
    expect(first.body.upload.status).toBe("queued");
    expect(first.body.upload.source).toBe("client");
    expect(first.body.upload.realType).toBe("image/png");
    const second = await complete(owner, created.body.upload.id);
    expect(second.status).toBe(200);
    expect(second.body.upload.status).toMatch(/queued|processing|processed/);
    const events = await listUploadEvents(created.body.upload.id);
    expect(events.filter((e) => e.type === "queued")).toHaveLength(1);
    expect(events.filter((e) => e.type === "uploaded")).toHaveLength(1);
  });

  it("rejects a size mismatch and keeps the object only in quarantine", async () => {
    const created = await create(owner, { name: "pic.png", type: "image/png", size: 5000 });
    const key = created.body.upload.key;
    await getS3().send(new PutObjectCommand({ Bucket: getBucket(), Key: key, Body: PNG }));
    const res = await complete(owner, created.body.upload.id);
    expect(res.status).toBe(422);
    expect(res.body.error.message).toMatch(new RegExp(`${PNG.length} bytes but 5000 were declared`));
    // Rejected bytes wait out REJECTED_QUARANTINE_HOURS before the sweep purges them (a wrong verdict must not lose a file).
    expect(await headObject(key)).not.toBeNull();
    expect((await getUploadById(created.body.upload.id))!.quarantineUntil).not.toBeNull();
  });

  it("rejects a type mismatch", async () => {
    const created = await createAndPut(owner, { name: "movie.mp4", type: "video/mp4", size: PNG.length }, PNG);
    const res = await complete(owner, created.body.upload.id);
    expect(res.status).toBe(422);
    expect(res.body.error.message).toBe("The file was declared as video/mp4 but its contents are image/png.");
    const status = await callRoute(uploadRoute.GET, { cookie: owner.cookie, params: { id: created.body.upload.id } });
    expect(status.body.upload.status).toBe("rejected");
  });

  it("refuses a PUT whose length differs from the signed one", async () => {
    const created = await create(owner, { name: "pic.png", type: "image/png", size: PNG.length });
    const res = await fetch(created.body.put.url, { method: "PUT", headers: created.body.put.headers, body: PNG.slice(0, 100) });
    expect(res.status).toBeGreaterThanOrEqual(400);
  });

  it("keeps the row uploaded and answers success when the publish fails", async () => {
    const created = await createAndPut(owner, { name: "pic.png", type: "image/png", size: PNG.length }, PNG);
    const env = getEnv();
    replaceQstashClient(new Client({ baseUrl: env.QSTASH_URL, token: "revoked-token", devMode: false, retry: false }));
    try {
      const res = await complete(owner, created.body.upload.id);
      expect(res.status).toBe(200);
      expect(res.body.upload.status).toBe("uploaded");
    } finally {
      replaceQstashClient(undefined);
    }
    const events = await listUploadEvents(created.body.upload.id);
    expect(events.map((e) => e.type)).toContain("publish_failed");
    // A retry of /complete publishes it (the sweep does the same for abandoned rows).
    const retry = await complete(owner, created.body.upload.id);
    expect(retry.body.upload.status).toMatch(/queued|processing|processed/);
    expect(getQstash()).toBeDefined();
  });
});

describe("multipart upload", () => {
  const size = 17 * MiB;

  async function startMultipart(user: TestUser) {
    const created = await create(user, { name: "big.mp4", type: "video/mp4", size });
    expect(created.status).toBe(201);
    expect(created.body.strategy).toBe("multipart");
    expect(created.body.multipart.partCount).toBe(4);
    return created.body as { upload: { id: string; key: string }; multipart: { partSize: number; partCount: number } };
  }

  async function uploadParts(user: TestUser, id: string, partSize: number, numbers: number[], bytes: Uint8Array<ArrayBuffer>) {
    const signed = await callRoute(partsRoute.POST, { method: "POST", cookie: user.cookie, params: { id }, body: { partNumbers: numbers } });
    expect(signed.status).toBe(200);
    for (const part of signed.body.parts as { partNumber: number; url: string }[]) {
      const chunk = bytes.slice((part.partNumber - 1) * partSize, part.partNumber * partSize);
      const res = await fetch(part.url, { method: "PUT", body: chunk });
      expect(res.status).toBe(200);
    }
  }

  it("names the missing parts with 409, then completes from ListParts", async () => {
    const bytes = mp4Bytes(size);
    const { upload, multipart } = await startMultipart(owner);
    await uploadParts(owner, upload.id, multipart.partSize, [1, 2, 4], bytes);
    const listed = await callRoute(partsRoute.GET, { cookie: owner.cookie, params: { id: upload.id } });
    expect(listed.body.parts.map((p: { partNumber: number }) => p.partNumber)).toEqual([1, 2, 4]);
    const early = await complete(owner, upload.id);
    expect(early.status).toBe(409);
    expect(early.body.error.message).toBe("Parts 3 of 4 have not been uploaded.");
    await uploadParts(owner, upload.id, multipart.partSize, [3], bytes);
    const done = await complete(owner, upload.id);
    expect(done.status).toBe(200);
    expect(done.body.upload.status).toBe("queued");
    expect((await headObject(upload.key))?.size).toBe(size);
    const abort = await callRoute(uploadRoute.DELETE, { method: "DELETE", cookie: owner.cookie, params: { id: upload.id } });
    expect(abort.status).toBe(409);
  });

  it("hands out the first parts' URLs with the session, and they take the bytes", async () => {
    const bytes = mp4Bytes(size);
    const created = await create(owner, { name: "quick.mp4", type: "video/mp4", size });
    const { upload, multipart, signed } = created.body as {
      upload: { id: string };
      multipart: { partSize: number; partCount: number };
      signed: { parts: { partNumber: number; url: string }[]; expiresAt: string };
    };
    // Four parts, all signed up front (at most six are).
    expect(signed.parts.map((p) => p.partNumber)).toEqual([1, 2, 3, 4]);
    expect(Date.parse(signed.expiresAt)).toBeGreaterThan(Date.now());
    for (const part of signed.parts) {
      const res = await fetch(part.url, { method: "PUT", body: bytes.slice((part.partNumber - 1) * multipart.partSize, part.partNumber * multipart.partSize) });
      expect(res.status).toBe(200);
    }
    expect((await complete(owner, upload.id)).status).toBe(200);
  });

  it("refuses part numbers beyond the upload and more than 100 at once", async () => {
    const { upload } = await startMultipart(owner);
    const beyond = await callRoute(partsRoute.POST, { method: "POST", cookie: owner.cookie, params: { id: upload.id }, body: { partNumbers: [5] } });
    expect(beyond.status).toBe(422);
    const many = await callRoute(partsRoute.POST, {
      method: "POST",
      cookie: owner.cookie,
      params: { id: upload.id },
      body: { partNumbers: Array.from({ length: 101 }, (_, i) => i + 1) },
    });
    expect(many.status).toBe(422);
  });

  it("aborts: the intent becomes aborted and no multipart upload is left", async () => {
    const bytes = mp4Bytes(size);
    const { upload, multipart } = await startMultipart(owner);
    await uploadParts(owner, upload.id, multipart.partSize, [1], bytes);
    const res = await callRoute(uploadRoute.DELETE, { method: "DELETE", cookie: owner.cookie, params: { id: upload.id } });
    expect(res.status).toBe(200);
    expect(res.body.upload.status).toBe("aborted");
    const listing = await getS3().send(new ListMultipartUploadsCommand({ Bucket: getBucket(), Prefix: upload.key }));
    expect(listing.Uploads ?? []).toHaveLength(0);
    const late = await complete(owner, upload.id);
    expect(late.status).toBe(409);
  });
});

describe("authorisation matrix", () => {
  it("lets only the owner act, lets admins read, and hides uploads from others", async () => {
    const created = await create(owner, { name: "pic.png", type: "image/png", size: PNG.length });
    const id = created.body.upload.id;
    const cases: [string, (cookie?: string) => Promise<{ status: number }>][] = [
      ["get", (cookie) => callRoute(uploadRoute.GET, { cookie, params: { id } })],
      ["complete", (cookie) => callRoute(completeRoute.POST, { method: "POST", cookie, params: { id }, body: {} })],
      ["sign", (cookie) => callRoute(partsRoute.POST, { method: "POST", cookie, params: { id }, body: { partNumbers: [1] } })],
      ["list parts", (cookie) => callRoute(partsRoute.GET, { cookie, params: { id } })],
      ["abort", (cookie) => callRoute(uploadRoute.DELETE, { method: "DELETE", cookie, params: { id } })],
    ];
    for (const [name, call] of cases) {
      expect((await call(undefined)).status, `${name} anonymous`).toBe(401);
      expect((await call(other.cookie)).status, `${name} other user`).toBe(404);
    }
    expect((await callRoute(uploadRoute.GET, { cookie: admin.cookie, params: { id } })).status).toBe(200);
    expect((await callRoute(completeRoute.POST, { method: "POST", cookie: admin.cookie, params: { id }, body: {} })).status).toBe(404);
    // The owner: single-PUT uploads have no parts to sign (409), and the rest works.
    expect((await callRoute(partsRoute.POST, { method: "POST", cookie: owner.cookie, params: { id }, body: { partNumbers: [1] } })).status).toBe(409);
    expect((await callRoute(uploadRoute.GET, { cookie: owner.cookie, params: { id } })).status).toBe(200);
    expect((await callRoute(uploadRoute.DELETE, { method: "DELETE", cookie: owner.cookie, params: { id } })).status).toBe(200);
  });

  it("answers an unknown or malformed id with 404", async () => {
    expect((await callRoute(uploadRoute.GET, { cookie: owner.cookie, params: { id: "upl_nope" } })).status).toBe(404);
    expect((await callRoute(uploadRoute.GET, { cookie: owner.cookie, params: { id: "../../x" } })).status).toBe(404);
  });
});

describe("projects and listing", () => {
  it("creates a project and lists its uploads with a cursor", async () => {
    const made = await callRoute(projectsRoute.POST, { method: "POST", cookie: owner.cookie, body: { name: "Films" } });
    expect(made.status).toBe(201);
    const projectId = made.body.project.id;
    for (let i = 0; i < 3; i++) {
      await callRoute(uploadsRoute.POST, { method: "POST", cookie: owner.cookie, body: { name: `f${i}.png`, type: "image/png", size: 10, projectId } });
    }
    const page1 = await callRoute(uploadsRoute.GET, { cookie: owner.cookie, path: `/api/uploads?projectId=${projectId}&limit=2` });
    expect(page1.body.uploads.map((u: { name: string }) => u.name)).toEqual(["f2.png", "f1.png"]);
    const page2 = await callRoute(uploadsRoute.GET, {
      cookie: owner.cookie,
      path: `/api/uploads?projectId=${projectId}&limit=2&cursor=${page1.body.nextCursor}`,
    });
    expect(page2.body.uploads.map((u: { name: string }) => u.name)).toEqual(["f0.png"]);
    expect(page2.body.nextCursor).toBeNull();
    const foreign = await callRoute(uploadsRoute.GET, { cookie: other.cookie, path: `/api/uploads?projectId=${projectId}` });
    expect(foreign.status).toBe(404);
    const blank = await callRoute(projectsRoute.POST, { method: "POST", cookie: owner.cookie, body: { name: "  " } });
    expect(blank.status).toBe(422);
  });
});
