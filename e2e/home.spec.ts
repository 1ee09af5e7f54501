import { expect, test } from "@playwright/test";

test("the home page says what Biblio is", async ({ page }) => {
  await page.goto("/");
  await expect(page).toHaveTitle("Biblio");
  await expect(page.getByRole("heading", { level: 1 })).toContainText("exactly one job");
  await expect(page.getByRole("heading", { name: "How it works" })).toBeVisible();
  await expect(page.locator("article.card")).toHaveCount(4);
  await page.screenshot({ path: ".data/screenshots/home.png", fullPage: true });
});

test("the public health endpoint answers liveness only", async ({ request }) => {
  const res = await request.get("/api/health");
  expect(res.status()).toBe(200);
  expect(await res.json()).toEqual({ status: "ok" });
});
