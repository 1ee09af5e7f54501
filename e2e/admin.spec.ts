import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type APIRequestContext, expect, type Page, test } from "@playwright/test";
import "@/lib/db/node";
import { getUploadById, transitionUpload } from "@/lib/db/queries/uploads";

const ADMIN = { email: "admin@biblio.local", password: "biblio-admin-dev" };
const FREE = { email: "free@biblio.local", password: "biblio-free-dev" };
const SAMPLE = readFileSync(join(process.cwd(), "tests/fixtures/sample.mp4"));
const SHOTS = ".data/screenshots";
const ADMIN_PAGES = ["/admin", "/admin/uploads", "/admin/jobs", "/admin/sweeps", "/admin/health", "/admin/orphans", "/admin/users", "/admin/audit"];

async function signIn(request: APIRequestContext, baseURL: string, who: { email: string; password: string }) {
  const res = await request.post("/api/auth/sign-in/email", { headers: { origin: baseURL }, data: who });
  expect(res.status(), `sign-in as ${who.email}`).toBe(200);
}

/** The user's side, through the real API: create, PUT the bytes, complete; then wait for the worker. */
async function uploadAsUser(request: APIRequestContext, name: string): Promise<string> {
  const projects = await (await request.get("/api/projects")).json();
  const projectId = (projects.projects ?? projects)[0].id as string;
  const created = await request.post("/api/uploads", { data: { name, type: "video/mp4", size: SAMPLE.length, projectId } });
  expect(created.status()).toBe(201);
  const body = await created.json();
  const put = await fetch(body.put.url, { method: "PUT", headers: body.put.headers, body: SAMPLE });
  expect(put.status).toBe(200);
  const id = body.upload.id as string;
  expect((await request.post(`/api/uploads/${id}/complete`, { data: {} })).status()).toBe(200);
  await expect.poll(async () => (await getUploadById(id))?.status, { timeout: 60_000 }).toBe("processed");
  return id;
}

async function stateOf(page: Page) {
  return page.getByTestId("status-badge").first().getAttribute("data-status");
}

test.describe("admin dashboard", () => {
  test("anonymous visitors and signed-in users get the 404 page on every admin page; admins get the page", async ({ playwright, baseURL }) => {
    const anon = await playwright.request.newContext({ baseURL });
    const user = await playwright.request.newContext({ baseURL });
    const admin = await playwright.request.newContext({ baseURL });
    await signIn(user, baseURL!, FREE);
    await signIn(admin, baseURL!, ADMIN);
    for (const path of ADMIN_PAGES) {
      const a = await anon.get(path);
      expect(a.status(), `${path} anonymous`).toBe(404);
      const u = await user.get(path);
      expect(u.status(), `${path} user`).toBe(404);
      expect(await u.text()).not.toContain('class="admin-nav"');
      expect((await admin.get(path)).status(), `${path} admin`).toBe(200);
    }
    expect((await user.get("/api/admin/uploads")).status()).toBe(404);
    await Promise.all([anon.dispose(), user.dispose(), admin.dispose()]);
  });

  test("a non-admin who opens /admin sees the not-found page", async ({ page, baseURL }) => {
    await signIn(page.request, baseURL!, FREE);
    const res = await page.goto("/admin");
    expect(res?.status()).toBe(404);
    await expect(page.getByText(/could not be found|not found/i).first()).toBeVisible();
    await expect(page.getByRole("navigation", { name: "Admin" })).toHaveCount(0);
    await page.screenshot({ path: `${SHOTS}/admin-404-for-user.png`, fullPage: true });
  });

  test("an admin finds a user's failed upload, replays it, and sees it processed", async ({ page, playwright, baseURL }) => {
    const user = await playwright.request.newContext({ baseURL });
    await signIn(user, baseURL!, FREE);
    const name = `e2e-replay-${Date.now()}.mp4`;
    const id = await uploadAsUser(user, name);
    await user.dispose();
    // The failure is simulated (a processor bug, since fixed): production builds ignore the
    // test-only fault injection, and a file that fails for real would fail again on replay.
    const failed = await transitionUpload({
      id,
      from: ["processed"],
      to: "failed",
      set: { failureReason: "e2e: the probe crashed on this file (simulated processor bug)" },
      event: { type: "failed", source: "e2e", detail: { simulated: true } },
    });
    expect(failed?.status).toBe("failed");

    await signIn(page.request, baseURL!, ADMIN);
    await page.goto("/admin/uploads");
    await page.getByLabel("User (email or id)").fill(FREE.email);
    await page.getByLabel("State").selectOption("failed");
    await page.getByRole("button", { name: "Apply" }).click();
    await expect(page).toHaveURL(/status=failed/, { timeout: 30_000 });
    const row = page.locator(`[data-testid="admin-upload-row"][data-upload-id="${id}"]`);
    await expect(row).toBeVisible();
    await expect(row).toContainText("simulated processor bug");
    await page.screenshot({ path: `${SHOTS}/admin-uploads-failed.png`, fullPage: true });

    await row.getByRole("link", { name }).click();
    await expect(page).toHaveURL(new RegExp(`/admin/uploads/${id}$`), { timeout: 30_000 });
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(name);
    expect(await stateOf(page)).toBe("failed");
    await expect(page.getByTestId("storage-key")).toContainText(`uploads/${id}/`);
    await page.getByTestId("replay-upload").click();
    await expect(page.getByRole("status")).toContainText("Replayed 1", { timeout: 60_000 });

    await expect(async () => {
      await page.reload();
      expect(await stateOf(page)).toBe("processed");
    }).toPass({ timeout: 60_000, intervals: [500, 1000, 2000] });
    const timeline = page.getByTestId("admin-timeline");
    await expect(timeline.locator('[data-event-type="replay_requested"]')).toHaveCount(1);
    await expect(timeline.locator('[data-event-type="processed"]')).toHaveCount(2);
    await expect(page.getByTestId("admin-attempts").locator("tbody tr")).toHaveCount(2);
    await page.screenshot({ path: `${SHOTS}/admin-upload-replayed.png`, fullPage: true });

    await page.goto("/admin/audit");
    const audit = page.locator('[data-testid="audit-row"][data-action="upload.replay"]').filter({ hasText: id });
    await expect(audit.first()).toContainText(ADMIN.email);
  });

  test("the overview charts render with data", async ({ page, baseURL }) => {
    await signIn(page.request, baseURL!, ADMIN);
    await page.goto("/admin?window=24h");
    await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
    const processed = await page.getByTestId("count-processed").locator(".value").textContent();
    expect(Number(processed?.replaceAll(",", ""))).toBeGreaterThan(0);
    const confirmations = page.getByTestId("chart-confirmations");
    await expect(confirmations.locator(".recharts-bar-rectangle").first()).toBeVisible();
    await expect(page.getByTestId("chart-throughput").locator(".recharts-line-curve").first()).toBeVisible();
    await expect(page.getByTestId("chart-trigger-latency").locator(".recharts-bar-rectangle").first()).toBeVisible();
    await expect(page.getByTestId("chart-processing-latency").locator(".recharts-line-dot").first()).toBeVisible();
    await expect(page.getByTestId("trigger-latency-definition")).toContainText("last byte landing in storage");
    await expect(page.getByTestId("dlq-size")).not.toContainText("?");
    await page.screenshot({ path: `${SHOTS}/admin-overview.png`, fullPage: true });

    await page.getByRole("link", { name: "Last 7 days" }).click();
    await expect(page).toHaveURL(/window=7d/, { timeout: 30_000 });
    await expect(page.getByTestId("chart-confirmations").locator(".recharts-bar-rectangle").first()).toBeVisible();
  });
});
