import type { AddressInfo } from "node:net";
import net from "node:net";
import { Client } from "@upstash/qstash";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as completeRoute from "@/app/api/uploads/[id]/complete/route";
import * as uploadRoute from "@/app/api/uploads/[id]/route";
import * as uploadsRoute from "@/app/api/uploads/route";
import { getUploadById } from "@/lib/db/queries/uploads";
import { replaceQstashClient } from "@/lib/queue/qstash-client";
import { createTestUser, type TestUser } from "../helpers/auth";
import { postgresPids, radosgwPids, whilePaused } from "../helpers/pause-service";
import { callRoute } from "../helpers/requests";

// Short bounds for this file (read when the pool and clients are first made). The tests
// assert the answer (status and code), not how fast it came: a missing bound shows up as
// a request that never answers, and the test times out.
Object.assign(process.env, {
  DB_CONNECT_TIMEOUT_MS: "4000",
  DB_QUERY_TIMEOUT_MS: "4000",
  S3_CONNECT_TIMEOUT_MS: "3000",
  S3_REQUEST_TIMEOUT_MS: "4000",
  S3_MAX_ATTEMPTS: "2",
  QSTASH_TIMEOUT_MS: "3000",
});

let user: TestUser;
let blackHole: net.Server;
const held: net.Socket[] = [];

beforeAll(async () => {
  user = await createTestUser();
  // Accepts connections and never answers: a hung QStash, as seen from the app.
  blackHole = net.createServer((socket) => held.push(socket));
  await new Promise<void>((resolve) => blackHole.listen(0, "127.0.0.1", resolve));
});

afterAll(async () => {
  replaceQstashClient(undefined);
  for (const s of held) s.destroy();
  await new Promise<void>((resolve) => blackHole.close(() => resolve()));
});

async function putSmallFile(): Promise<string> {
  const bytes = new Uint8Array(await (await import("node:fs/promises")).readFile(new URL("../fixtures/sample.mp3", import.meta.url)));
  const created = await callRoute(uploadsRoute.POST, {
    method: "POST",
    cookie: user.cookie,
    body: { name: "t.mp3", type: "audio/mpeg", size: bytes.length, projectId: user.projectId },
  });
  expect(created.status).toBe(201);
  const put = await fetch(created.body.put.url, { method: "PUT", headers: created.body.put.headers, body: bytes });
  expect(put.status).toBe(200);
  return created.body.upload.id as string;
}

describe("a paused dependency gives a clear 503, not a hang", () => {
  it("Postgres paused (SIGSTOP): an upload's status answers 503 dependency_unavailable naming the database", async () => {
    const id = await putSmallFile();
    const res = await whilePaused(postgresPids(), () => callRoute(uploadRoute.GET, { cookie: user.cookie, params: { id } }));
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe("dependency_unavailable");
    expect(res.body.error.details.dependency).toBe("database");
    // No internals: no address, port, SQL or driver text.
    expect(JSON.stringify(res.body)).not.toMatch(/127\.0\.0\.1|5\d{4}|select|timeout exceeded|query read/i);
    // And it recovers once Postgres is back.
    expect((await callRoute(uploadRoute.GET, { cookie: user.cookie, params: { id } })).status).toBe(200);
  });

  it("Ceph RGW paused: /complete answers 503 dependency_unavailable naming storage", async () => {
    const id = await putSmallFile();
    const res = await whilePaused(radosgwPids(), () => callRoute(completeRoute.POST, { method: "POST", cookie: user.cookie, params: { id }, body: {} }));
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe("dependency_unavailable");
    expect(res.body.error.details.dependency).toBe("storage");
    expect((await getUploadById(id))!.status).toBe("pending");
  });

  it("QStash hung: /complete still answers (the job waits in the outbox) and records why the publish failed", async () => {
    const port = (blackHole.address() as AddressInfo).port;
    replaceQstashClient(new Client({ baseUrl: `http://127.0.0.1:${port}`, token: "t", devMode: false, enableTelemetry: false, retry: false }));
    const id = await putSmallFile();
    const res = await callRoute(completeRoute.POST, { method: "POST", cookie: user.cookie, params: { id }, body: {} });
    expect(res.status).toBe(200);
    const row = await getUploadById(id);
    expect(row!.status).toBe("uploaded");
    expect(row!.lastPublishError).toMatch(/publish got no answer/);
    expect(held.length).toBeGreaterThan(0);
  });
});
