import { createHash } from "node:crypto";
import { copyFileSync, readFileSync } from "node:fs";
import { HeadObjectCommand } from "@aws-sdk/client-s3";
import { expect, test } from "@playwright/test";
import { storeClient } from "./support/store";
import { addFiles, openFirstProject, QUEUED_OR_LATER, signIn, UPLOAD_BUTTON, uploadIdOf, uploadRow } from "./support/uploader";

async function objectStatus(key: string): Promise<number> {
  try {
    await storeClient().send(new HeadObjectCommand({ Bucket: process.env.S3_BUCKET!, Key: key }));
    return 200;
  } catch (error) {
    return (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? 0;
  }
}

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

/**
 * The user's whole trail with one real video (H.264/AAC MP4: Debian's Chromium plays it):
 * upload, processed with results, poster, playback, download with the same bytes, delete.
 */
test("a real video: processed, poster, plays, downloads the same bytes, deleted from the list and the bucket", async ({ page }, testInfo) => {
  test.setTimeout(240_000);
  const fixture = "tests/fixtures/sample.mp4";
  const bytes = readFileSync(fixture);
  const name = `watch-${Date.now().toString(36)}.mp4`;
  const file = testInfo.outputPath(name);
  copyFileSync(fixture, file);

  await signIn(page);
  await expect(page.getByTestId("storage-usage")).toContainText(/Storage: .+ of 50 GiB used/);
  await page.screenshot({ path: ".data/screenshots/e2e-files-projects.png", fullPage: true });
  await openFirstProject(page);
  const projectUrl = page.url();
  await addFiles(page, [file]);
  await page.locator(UPLOAD_BUTTON).click();
  const row = uploadRow(page, name);
  await expect(row).toHaveAttribute("data-status", QUEUED_OR_LATER, { timeout: 120_000 });
  const id = await uploadIdOf(row);

  // Processed, with its results.
  await page.goto(`/uploads/${id}`);
  await expect(page.getByTestId("status-badge").first()).toHaveAttribute("data-status", "processed", { timeout: 120_000 });
  await expect(page.getByTestId("result-sha256")).toHaveText(sha256(bytes));

  // The poster (the thumbnail processor's derived file) is shown.
  const poster = page.getByTestId("player-poster");
  await expect(poster).toBeVisible({ timeout: 30_000 });
  await expect.poll(() => poster.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
  const video = page.getByTestId("player-video");
  await expect(video).toHaveAttribute("poster", /derived/);

  // It plays: enough data for the current frame, and time moves.
  await video.evaluate(async (v: HTMLVideoElement) => {
    v.muted = true;
    await v.play();
  });
  await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.readyState), { timeout: 20_000 }).toBeGreaterThanOrEqual(2);
  await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.currentTime), { timeout: 20_000 }).toBeGreaterThan(0.3);
  expect(await video.evaluate((v: HTMLVideoElement) => v.error)).toBeNull();
  await page.screenshot({ path: ".data/screenshots/e2e-files-playing.png", fullPage: true });

  // The download carries the original name and the very same bytes.
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("download-link").click()]);
  expect(download.suggestedFilename()).toBe(name);
  expect(sha256(readFileSync(await download.path()))).toBe(sha256(bytes));

  // Deleted from the Files table (select, confirm)...
  const key = (await (await page.request.get(`/api/uploads/${id}`)).json()).upload.key as string;
  expect(await objectStatus(key)).toBe(200);
  await page.goto(projectUrl);
  const fileRow = page.locator(`[data-testid="file-row"][data-upload-id="${id}"]`);
  await expect(fileRow.getByTestId("file-thumb")).toBeVisible();
  await page.screenshot({ path: ".data/screenshots/e2e-files-table.png", fullPage: true });
  await fileRow.getByTestId("file-select").check();
  page.once("dialog", (dialog) => dialog.accept());
  await page.getByTestId("files-delete-selected").click();
  await expect(page.getByTestId("files-notice")).toHaveText("Deleted 1 file.");
  await expect(fileRow).toHaveCount(0);
  await page.screenshot({ path: ".data/screenshots/e2e-files-deleted.png", fullPage: true });

  // ...gone after a reload too, and from the bucket.
  await page.reload();
  await expect(page.getByRole("heading", { name: "Files", exact: true })).toBeVisible();
  await expect(fileRow).toHaveCount(0);
  expect(await objectStatus(key)).toBe(404);
  const after = await (await page.request.get(`/api/uploads/${id}`)).json();
  expect(after.upload.status).toBe("deleted");
});
