import { ListMultipartUploadsCommand } from "@aws-sdk/client-s3";
import { expect, test } from "@playwright/test";
import { MiB, writeFakeMp4 } from "./support/files";
import { storeClient } from "./support/store";
import { fetchUpload, partPutOf, slowDownPartPuts, startUpload, uploadIdOf, uploadRow } from "./support/uploader";

test("cancelling a multipart upload aborts it and leaves no parts in the bucket", async ({ page }, testInfo) => {
  const mp4 = writeFakeMp4(testInfo.outputPath("cancel-40mib.mp4"), 40 * MiB);
  let partsSent = 0;
  page.on("request", (request) => {
    if (partPutOf(request)) partsSent++;
  });
  await slowDownPartPuts(page, 2_000);
  await startUpload(page, [mp4]);

  const row = uploadRow(page, "cancel-40mib.mp4");
  await expect(row).toHaveAttribute("data-status", "uploading");
  const id = await uploadIdOf(row);
  await expect.poll(() => partsSent, { timeout: 30_000 }).toBeGreaterThan(0);
  const { upload } = await fetchUpload(page, id);
  expect(upload.status).toBe("pending");

  await page.locator(".uppy-StatusBar").getByRole("button", { name: "Cancel" }).click();

  await expect(row).toHaveCount(0);
  await expect(page.locator(`[data-testid=file-row][data-upload-id="${id}"]`)).toHaveAttribute("data-status", "aborted", { timeout: 20_000 });
  expect((await fetchUpload(page, id)).upload.status).toBe("aborted");
  expect((await page.request.get(`/api/uploads/${id}/parts`)).status()).toBe(409);

  const s3 = storeClient();
  try {
    const listed = await s3.send(new ListMultipartUploadsCommand({ Bucket: process.env.S3_BUCKET!, Prefix: upload.key }));
    expect(listed.Uploads ?? []).toEqual([]);
  } finally {
    s3.destroy();
  }
});
