import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { HeadObjectCommand } from "@aws-sdk/client-s3";
import AxeBuilder from "@axe-core/playwright";
import { expect, test } from "@playwright/test";
import { cueAt, parseStoryboardVtt } from "../lib/derived/storyboard-cues";
import { makeTestVideo } from "../tests/helpers/test-video";
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

/** A tile's CSS background offset (`-480px 0px`) as the cue's x and y. */
const offsetOf = (position: string) => position.split(" ").map((p) => 0 - Number.parseFloat(p));

/**
 * The user's whole trail with one real video (H.264/AAC MP4: Debian's Chromium plays it):
 * upload, processed with results, poster, playback, seek previews, download with the same
 * bytes, delete.
 */
test("a real video: processed, poster, plays, seek previews, downloads the same bytes, deleted from the list and the bucket", async ({ page }, testInfo) => {
  test.setTimeout(300_000);
  const name = `watch-${Date.now().toString(36)}.mp4`;
  const file = testInfo.outputPath(name);
  // 10 s made by the shipped ffmpeg: long enough for a storyboard of five distinct tiles.
  const bytes = await makeTestVideo(file, 10);

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
  await video.evaluate((v: HTMLVideoElement) => v.pause());

  // Seek previews: the storyboard route's cues, each a tile of the signed sprite sheet.
  const track = await page.request.get(`/api/uploads/${id}/storyboard.vtt`);
  expect(track.status()).toBe(200);
  const cues = parseStoryboardVtt(await track.text());
  expect(cues).toHaveLength(5);
  const duration = await video.evaluate((v: HTMLVideoElement) => v.duration);
  const bar = page.getByRole("slider", { name: "Seek with previews" });
  // From the start, so the click below is seen to move the video forward.
  await video.evaluate(async (v: HTMLVideoElement) => {
    v.currentTime = 0;
    await new Promise((resolve) => v.addEventListener("seeked", resolve, { once: true }));
  });
  await bar.scrollIntoViewIfNeeded();
  const box = (await bar.boundingBox())!;
  const x = box.x + box.width * 0.7;
  const hoverCue = cueAt(cues, ((x - box.x) / box.width) * duration)!;
  expect(hoverCue.x).toBe(480);
  // Hovering the bar shows that cue's tile: the sprite as background, at the cue's xywh.
  await page.mouse.move(x, box.y + box.height / 2);
  const tile = page.getByTestId("seek-tile");
  await expect(tile).toBeVisible();
  const tileStyle = () =>
    tile.evaluate((el) => ({
      image: getComputedStyle(el).backgroundImage,
      position: getComputedStyle(el).backgroundPosition,
      w: el.clientWidth,
      h: el.clientHeight,
    }));
  const shown = await tileStyle();
  expect(shown.image).toBe(`url("${hoverCue.url}")`);
  expect(shown.image).toContain(`/derived/${id}/storyboard.jpg?`);
  expect(offsetOf(shown.position)).toEqual([hoverCue.x, hoverCue.y]);
  expect([shown.w, shown.h]).toEqual([hoverCue.w, hoverCue.h]);
  // The browser itself loads the sprite from the private bucket through the signed URL.
  const sprite = await page.evaluate(async (url) => {
    const img = new Image();
    img.src = url;
    await img.decode();
    return [img.naturalWidth, img.naturalHeight];
  }, hoverCue.url);
  expect(sprite).toEqual([800, 120]);
  await expect(page.getByTestId("seek-time")).toHaveText(/^0:0[67]$/);
  await page.screenshot({ path: ".data/screenshots/e2e-files-seek-preview.png", fullPage: true });
  // Clicking there moves the video into that tile's span.
  expect(await video.evaluate((v: HTMLVideoElement) => v.currentTime)).toBeLessThan(hoverCue.start);
  await page.mouse.click(x, box.y + box.height / 2);
  await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.currentTime)).toBeGreaterThanOrEqual(hoverCue.start);
  expect(await video.evaluate((v: HTMLVideoElement) => v.currentTime)).toBeLessThan(hoverCue.end);

  // By keyboard: Home, then two tiles on; the slider says the time, Enter plays from there.
  await page.mouse.move(0, 0);
  await expect(tile).toBeHidden();
  await bar.focus();
  await page.keyboard.press("Home");
  await page.keyboard.press("ArrowRight");
  await page.keyboard.press("ArrowRight");
  const third = cues[2]!;
  await expect.poll(async () => offsetOf((await tileStyle()).position)).toEqual([third.x, third.y]);
  await expect(bar).toHaveAttribute("aria-valuetext", new RegExp(`^0:0${Math.floor(third.start)} of 0:10$`));
  await page.keyboard.press("Enter");
  await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.currentTime)).toBeGreaterThanOrEqual(third.start);
  expect(await video.evaluate((v: HTMLVideoElement) => v.currentTime)).toBeLessThan(third.end);
  await page.screenshot({ path: ".data/screenshots/e2e-files-seek-keyboard.png", fullPage: true });
  // The player with the preview up passes axe (WCAG 2.1 A/AA and best practices).
  const axe = await new AxeBuilder({ page }).include(".player").withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]).analyze();
  expect(axe.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`)).toEqual([]);

  // At 375 px the tile under the pointer at the bar's far end stays over the bar, and nothing scrolls sideways.
  const viewport = page.viewportSize()!;
  await page.setViewportSize({ width: 375, height: 800 });
  await bar.scrollIntoViewIfNeeded();
  const narrow = (await bar.boundingBox())!;
  await page.mouse.move(narrow.x + narrow.width - 2, narrow.y + narrow.height / 2);
  const edge = (await page.getByTestId("seek-preview").boundingBox())!;
  expect(edge.x + edge.width).toBeLessThanOrEqual(narrow.x + narrow.width + 1);
  expect(offsetOf((await tileStyle()).position)).toEqual([cues[4]!.x, cues[4]!.y]);
  expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBe(0);
  await page.screenshot({ path: ".data/screenshots/e2e-files-seek-375.png" });
  await page.mouse.move(0, 0);
  await page.setViewportSize(viewport);

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
