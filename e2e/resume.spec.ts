import { expect, test } from "@playwright/test";
import { MiB, writeFakeMp4 } from "./support/files";
import { partPutOf, QUEUED_OR_LATER, reselectFiles, startUpload, UPLOAD_BUTTON, uploadIdOf, uploadRow, waitForUploader } from "./support/uploader";

const PARTS = 12;

test("a reload mid-upload resumes from the parts already stored and sends none of them again", async ({ page }, testInfo) => {
  test.setTimeout(180_000);
  // Above Golden Retriever's 10 MiB limit, so after the reload the page asks for the file again.
  const mp4 = writeFakeMp4(testInfo.outputPath("resume-60mib.mp4"), PARTS * 5 * MiB);
  // "reload": the old page may still send parts until it unloads; those count for neither side.
  let phase: "before" | "reload" | "after" = "before";
  const storedBefore = new Set<number>();
  const sentAfter: number[] = [];
  page.on("requestfinished", async (request) => {
    const put = partPutOf(request);
    if (put && phase === "before" && (await request.response())?.status() === 200) storedBefore.add(put.partNumber);
  });
  page.on("request", (request) => {
    const put = partPutOf(request);
    if (put && phase === "after") sentAfter.push(put.partNumber);
  });

  // Parts after the third are held until the reload, so the reload always lands mid-upload
  // however fast the machine is; held requests of the unloaded page simply fail.
  let holdParts = true;
  await page.route(
    (url) => url.searchParams.has("partNumber"),
    async (route) => {
      const put = partPutOf(route.request());
      if (put) {
        while (holdParts && put.partNumber > 3) await new Promise((resolve) => setTimeout(resolve, 50));
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
      await route.continue().catch(() => {});
    },
  );
  await startUpload(page, [mp4]);
  const row = uploadRow(page, "resume-60mib.mp4");
  await expect(row).toHaveAttribute("data-status", "uploading");
  const id = await uploadIdOf(row);
  await expect.poll(() => storedBefore.size, { timeout: 60_000 }).toBeGreaterThanOrEqual(3);
  expect(storedBefore.size).toBeLessThan(PARTS);

  phase = "reload";
  await page.reload();
  holdParts = false;
  await waitForUploader(page);
  await expect(row).toHaveAttribute("data-status", "needs-file");
  await expect(row).toHaveAttribute("data-upload-id", id);
  await expect(row.getByTestId("upload-hint")).toContainText("select the same file again");
  await page.screenshot({ path: ".data/screenshots/e2e-resume-needs-file.png", fullPage: true });

  // Re-selecting the file turns the ghost back into a file; Upload then continues the restored upload.
  await reselectFiles(page, [mp4]);
  await expect(row).not.toHaveAttribute("data-status", "needs-file");
  await expect(page.locator(UPLOAD_BUTTON)).toBeEnabled();
  // Nothing moves until Upload is pressed: the row and Uppy's status bar say so, with no time left to count down.
  await expect(row).toHaveAttribute("data-status", "resumable");
  await expect(row.getByTestId("upload-hint")).toContainText("continues from the parts already stored");
  await expect(page.locator(".uppy-StatusBar")).not.toHaveClass(/is-uploading/);
  await expect(page.locator(".uppy-StatusBar")).not.toContainText(/left/);
  await page.screenshot({ path: ".data/screenshots/e2e-resume-ready.png", fullPage: true });

  // What S3 holds now: at least every part that finished before the reload.
  const listed = await page.evaluate(async (uploadId) => {
    const res = await fetch(`/api/uploads/${uploadId}/parts`, { headers: { accept: "application/json" } });
    return ((await res.json()) as { parts: { partNumber: number }[] }).parts.map((p) => p.partNumber);
  }, id);
  expect(listed).toEqual(expect.arrayContaining([...storedBefore]));
  expect(listed.length).toBeLessThan(PARTS);

  phase = "after";
  await page.locator(UPLOAD_BUTTON).click();
  await expect(row).toHaveAttribute("data-status", QUEUED_OR_LATER, { timeout: 120_000 });

  expect(sentAfter.filter((n) => listed.includes(n))).toEqual([]);
  expect([...new Set([...listed, ...sentAfter])].sort((a, b) => a - b)).toEqual(Array.from({ length: PARTS }, (_, i) => i + 1));
});
