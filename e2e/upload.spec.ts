import { expect, test } from "@playwright/test";
import { MiB, writeFakeMp4, writeTinyPng } from "./support/files";
import {
  QUEUED_OR_LATER,
  UPLOAD_BUTTON,
  addFiles,
  fetchUpload,
  openFirstProject,
  partPutOf,
  signIn,
  uploadIdOf,
  uploadRow,
} from "./support/uploader";

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
