import { createHash } from "node:crypto";
import { copyFileSync, readFileSync } from "node:fs";
import { expect, test } from "@playwright/test";
import { MiB, writeFakeMp4, writeTinyPng } from "./support/files";
import { addFiles, fetchUpload, openFirstProject, partPutOf, QUEUED_OR_LATER, signIn, UPLOAD_BUTTON, uploadIdOf, uploadRow } from "./support/uploader";

test("a small image and a 40 MiB video both upload and reach the processing queue", async ({ page }, testInfo) => {
  test.setTimeout(180_000);
  const png = writeTinyPng(testInfo.outputPath("pixel.png"));
  const mp4 = writeFakeMp4(testInfo.outputPath("clip-40mib.mp4"), 40 * MiB);
  const partNumbers: number[] = [];
  page.on("request", (request) => {
    const put = partPutOf(request);
    if (put) partNumbers.push(put.partNumber);
  });

  await signIn(page);
  await openFirstProject(page);
  await addFiles(page, [png, mp4]);
  await expect(uploadRow(page, "pixel.png")).toHaveAttribute("data-status", "ready");
  await page.locator(UPLOAD_BUTTON).click();

  for (const name of ["pixel.png", "clip-40mib.mp4"]) {
    const row = uploadRow(page, name);
    await expect(row).toHaveAttribute("data-status", QUEUED_OR_LATER, { timeout: 120_000 });
    const id = await uploadIdOf(row);
    // A worker may fail the fake video later; what matters here is that it was handed over exactly once.
    const { upload, events } = await fetchUpload(page, id);
    expect(events.filter((e) => e.type === "queued")).toHaveLength(1);
    expect(upload.status).toMatch(QUEUED_OR_LATER);
    await expect(page.locator(`[data-testid=file-row][data-upload-id="${id}"]`)).toBeVisible();
  }

  // 40 MiB in 5 MiB parts: eight part PUTs, each exactly once; the image went up as a single PUT.
  expect([...partNumbers].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  await page.screenshot({ path: ".data/screenshots/e2e-upload-done.png", fullPage: true });
});

type FfprobeStream = {
  codec_type: string;
  codec_name: string;
  width?: number;
  height?: number;
  r_frame_rate?: string;
  sample_rate?: string;
  channels?: number;
};

test("a real video goes all the way: processed, with its checksum and media details on the page", async ({ page }, testInfo) => {
  test.setTimeout(180_000);
  const fixture = "tests/fixtures/sample.mp4";
  const bytes = readFileSync(fixture);
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  const probe = JSON.parse(readFileSync(`${fixture}.ffprobe.json`, "utf8")) as { streams: FfprobeStream[]; format: { duration: string } };
  const video = probe.streams.find((s) => s.codec_type === "video")!;
  const audio = probe.streams.find((s) => s.codec_type === "audio")!;
  const name = `real-${testInfo.testId.slice(0, 8)}-${Date.now().toString(36)}.mp4`;
  const file = testInfo.outputPath(name);
  copyFileSync(fixture, file);

  await signIn(page);
  await openFirstProject(page);
  await addFiles(page, [file]);
  // Uppy speaks the app's binary units: the fixture is tens of KiB, never "KB".
  await expect(page.locator(".uppy-Dashboard-Item-statusSize").first()).toHaveText(/^\d+(\.\d)? KiB$/);
  await page.locator(UPLOAD_BUTTON).click();
  const row = uploadRow(page, name);
  await expect(row).toHaveAttribute("data-status", QUEUED_OR_LATER, { timeout: 120_000 });
  const id = await uploadIdOf(row);

  await page.goto(`/uploads/${id}`);
  const badge = page.getByTestId("status-badge").first();
  await expect(badge).toHaveAttribute("data-status", "processed", { timeout: 120_000 });
  await expect(badge).toHaveText("Processed");
  await expect(page.getByTestId("result-sha256")).toHaveText(sha256);
  await expect(page.getByTestId("result-mime")).toContainText("video/mp4");

  const details = page.getByTestId("result-probe");
  const detail = (label: string) =>
    details
      .locator(".kv-row")
      .filter({ has: page.locator("dt", { hasText: new RegExp(`^${label}$`) }) })
      .locator("dd");
  const seconds = Number(probe.format.duration);
  await expect(detail("Duration")).toHaveText(`0:${String(Math.round(seconds)).padStart(2, "0")}`);
  await expect(detail("Video codec")).toHaveText(video.codec_name);
  await expect(detail("Resolution")).toHaveText(`${video.width} × ${video.height}`);
  const [num, den] = video.r_frame_rate!.split("/").map(Number);
  await expect(detail("Frame rate")).toHaveText(`${num! / den!} fps`);
  await expect(detail("Audio codec")).toHaveText(audio.codec_name);
  await expect(detail("Sample rate")).toHaveText(`${Number(audio.sample_rate) / 1000} kHz`);
  await expect(detail("Channels")).toHaveText(audio.channels === 2 ? "2 (stereo)" : String(audio.channels));
  await page.screenshot({ path: ".data/screenshots/e2e-upload-processed.png", fullPage: true });
});
