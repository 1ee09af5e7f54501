import { writeFileSync } from "node:fs";
import { expect, test } from "@playwright/test";
import { GiB, writeSparseFile } from "./support/files";
import { addFiles, openFirstProject, signIn } from "./support/uploader";

test.describe("the Free plan's limits", () => {
  test.beforeEach(async ({ page }) => {
    await signIn(page);
    await openFirstProject(page);
  });

  test("a 6 GiB file is refused before any upload starts, saying why", async ({ page }, testInfo) => {
    const created: string[] = [];
    page.on("request", (request) => {
      if (request.method() === "POST" && new URL(request.url()).pathname === "/api/uploads") created.push(request.url());
    });
    const huge = writeSparseFile(testInfo.outputPath("huge-6gib.mp4"), 6 * GiB);
    await addFiles(page, [huge]);

    const notice = page.getByTestId("uploader-notice");
    await expect(notice).toBeVisible();
    await expect(notice).toContainText("huge-6gib.mp4");
    await expect(notice).toContainText("6.0 GiB");
    await expect(notice).toContainText("Free plan allows files up to 5.0 GiB");
    await expect(page.getByTestId("upload-row")).toHaveCount(0);
    expect(created).toEqual([]);
    await page.screenshot({ path: ".data/screenshots/e2e-limits-over-size.png" });
  });

  test("a text file is refused with the accepted types named", async ({ page }, testInfo) => {
    const path = testInfo.outputPath("notes.txt");
    writeFileSync(path, "not a media file\n");
    await addFiles(page, [path]);

    const notice = page.getByTestId("uploader-notice");
    await expect(notice).toContainText("notes.txt");
    await expect(notice).toContainText("video, audio, images and PDF files");
    await expect(page.getByTestId("upload-row")).toHaveCount(0);
  });
});
