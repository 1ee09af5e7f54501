import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type APIRequestContext, expect, type Page, test } from "@playwright/test";
import { Client } from "@upstash/qstash";
import { sql } from "drizzle-orm";
import "@/lib/db/node";
import { getDb } from "@/lib/db/client";
import { getUploadById } from "@/lib/db/queries/uploads";

const ADMIN = { email: "admin@biblio.local", password: "biblio-admin-dev" };
const FREE = { email: "free@biblio.local", password: "biblio-free-dev" };
const SAMPLE = readFileSync(join(process.cwd(), "tests/fixtures/sample.mp4"));
const SHOTS = ".data/screenshots";

async function signIn(request: APIRequestContext, baseURL: string, who: { email: string; password: string }) {
  const res = await request.post("/api/auth/sign-in/email", { headers: { origin: baseURL }, data: who });
  expect(res.status(), `sign-in as ${who.email}`).toBe(200);
}

/** Creates an intent through the real API and, unless `bytes` is false, PUTs the file to the store. */
async function startUpload(request: APIRequestContext, name: string, bytes = true): Promise<string> {
  const projects = await (await request.get("/api/projects")).json();
  const projectId = (projects.projects ?? projects)[0].id as string;
  const created = await request.post("/api/uploads", { data: { name, type: "video/mp4", size: SAMPLE.length, projectId } });
  expect(created.status()).toBe(201);
  const body = await created.json();
  if (bytes) expect((await fetch(body.put.url, { method: "PUT", headers: body.put.headers, body: SAMPLE })).status).toBe(200);
  return body.upload.id as string;
}

async function count(query: ReturnType<typeof sql>): Promise<number> {
  const r = await getDb().execute<{ n: number }>(query);
  return Number(r.rows[0]!.n);
}

/** The page's figures for the last hour, recounted straight from the database. */
async function recount() {
  const since = sql`now() - interval '1 hour'`;
  const confirmed = (source: string) => count(sql`select count(*)::int as n from uploads where source = ${source} and uploaded_at >= ${since}`);
  return {
    client: await confirmed("client"),
    "storage-event": await confirmed("storage-event"),
    sweep: await confirmed("sweep"),
    poll: await confirmed("poll"),
    duplicates: await count(sql`select count(*)::int as n from upload_events where type = 'duplicate_trigger' and at >= ${since}`),
    expired: await count(sql`select count(*)::int as n from uploads where expired_at >= ${since}`),
  };
}

async function readPage(page: Page) {
  await page.goto("/admin/triggers?window=1h");
  const n = async (id: string) => Number(((await page.getByTestId(id).textContent()) ?? "").replace(/[^\d]/g, ""));
  return {
    client: await n("confirmed-client"),
    "storage-event": await n("confirmed-storage-event"),
    sweep: await n("confirmed-sweep"),
    poll: await n("confirmed-poll"),
    duplicates: await n("duplicates-total"),
    expired: await n("zombies-expired"),
  };
}

test.describe("admin triggers page", () => {
  test("shows which source confirmed each upload, the duplicates and the zombies cleaned, as the database counts them", async ({ page, baseURL }) => {
    test.setTimeout(240_000);
    // One context for both roles (signing in again replaces the session): fewer trace artifacts.
    const user = page.request;
    await signIn(user, baseURL!, FREE);
    const stamp = Date.now();
    // 1. A client that calls /complete: confirmed by `client`; its storage event arrives late.
    const completed = await startUpload(user, `e2e-triggers-complete-${stamp}.mp4`);
    expect((await user.post(`/api/uploads/${completed}/complete`, { data: {} })).status()).toBe(200);
    // 2. A client that vanishes after its last byte: the storage event confirms it.
    const vanished = await startUpload(user, `e2e-triggers-vanish-${stamp}.mp4`);
    // 3. An intent whose bytes never arrive: the sweep expires it once its deadline is past.
    const zombie = await startUpload(user, `e2e-triggers-zombie-${stamp}.mp4`, false);

    // The storage event or a sweep, whichever comes first: a safety net either way. The
    // storage-events queue may still be working through events published while no app was
    // listening (the Vitest half of the suite), so an admin sweep is asked for until one of
    // them has confirmed the upload. Confirmation is what this page counts, not processing.
    await signIn(page.request, baseURL!, ADMIN);
    await expect
      .poll(
        async () => {
          const source = (await getUploadById(vanished))?.source ?? null;
          if (!source) expect([200, 409]).toContain((await page.request.post("/api/admin/sweeps", { headers: { origin: baseURL! }, data: {} })).status());
          return source;
        },
        { timeout: 120_000, intervals: [2_000, 5_000, 10_000] },
      )
      .not.toBeNull();
    expect(["storage-event", "sweep"]).toContain((await getUploadById(vanished))?.source);
    const done = await getUploadById(completed);
    // The client's /complete and the bucket's own event race; whichever comes first confirms.
    expect(["client", "storage-event"]).toContain(done?.source);
    // The completed upload's ObjectCreated record, published through QStash as the bucket's
    // notification is (the queue may still hold other runs' events): it must find the upload
    // confirmed and count as a duplicate.
    const qstash = new Client({ baseUrl: process.env.QSTASH_URL, token: process.env.QSTASH_TOKEN!, enableTelemetry: false });
    await qstash.publishJSON({
      url: `${baseURL}/api/storage-events`,
      body: { Records: [{ eventName: "ObjectCreated:Put", s3: { bucket: { name: done!.bucket }, object: { key: done!.storageKey, size: SAMPLE.length } } }] },
    });
    await expect
      .poll(() => count(sql`select count(*)::int as n from upload_events where upload_id = ${completed} and type = 'duplicate_trigger'`), { timeout: 120_000 })
      .toBeGreaterThanOrEqual(1);

    // Standing for the two hours a single-PUT intent is given, then one sweep as an admin would run it.
    await getDb().execute(sql`update uploads set deadline_at = now() - interval '1 second' where id = ${zombie}`);
    // A scheduled sweep holding the lease answers 409: ask again until a run has expired it.
    await expect
      .poll(
        async () => {
          const sweep = await page.request.post("/api/admin/sweeps", { headers: { origin: baseURL! }, data: {} });
          expect([200, 409]).toContain(sweep.status());
          return (await getUploadById(zombie))?.status;
        },
        { timeout: 90_000, intervals: [1_000, 3_000, 5_000] },
      )
      .toBe("expired");

    // The page against the database; read again if a late event lands between the two reads.
    let shown = await readPage(page);
    let counted = await recount();
    for (let i = 0; i < 3 && JSON.stringify(shown) !== JSON.stringify(counted); i++) {
      shown = await readPage(page);
      counted = await recount();
    }
    expect(shown).toEqual(counted);
    // At least this test's two confirmed uploads, one of them by a safety net.
    expect(shown.client + shown["storage-event"] + shown.sweep + shown.poll).toBeGreaterThanOrEqual(2);
    expect(shown["storage-event"] + shown.sweep).toBeGreaterThanOrEqual(1);
    expect(shown.duplicates).toBeGreaterThanOrEqual(1);
    expect(shown.expired).toBeGreaterThanOrEqual(1);

    await expect(page.getByRole("link", { name: "Triggers" })).toHaveAttribute("aria-current", "page");
    await expect(page.getByTestId(`p50-${done!.source}`)).not.toHaveText("—");
    await page.screenshot({ path: `${SHOTS}/admin-triggers.png`, fullPage: true });
  });
});
