import { expect, type Locator, type Page, type Request } from "@playwright/test";

export const FREE_USER = { email: "free@biblio.local", password: "biblio-free-dev" };

export const UPLOAD_BUTTON = ".uppy-StatusBar-actionBtn--upload";
/** Server states at or past the queue: what a confirmed upload may show once it was handed to the worker. */
export const QUEUED_OR_LATER = /^(queued|processing|processed|failed)$/;

export async function signIn(page: Page, user = FREE_USER): Promise<void> {
  await page.goto("/sign-in");
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL("**/projects");
  await expect(page.getByTestId("nav-user")).toContainText(user.email);
}

/** Opens the seeded project and waits until its Dashboard accepts files. */
export async function openFirstProject(page: Page): Promise<void> {
  await page.getByTestId("project-item").filter({ hasText: "My first project" }).first().getByRole("link").click();
  // The projects page has an uploader too: wait for the navigation, or files land in the old one.
  await page.waitForURL("**/projects/prj_*");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("My first project");
  await waitForUploader(page);
}

/** Signs in, opens the seeded project and starts uploading these files. */
export async function startUpload(page: Page, paths: string[]): Promise<void> {
  await signIn(page);
  await openFirstProject(page);
  await addFiles(page, paths);
  await page.locator(UPLOAD_BUTTON).click();
}

export async function waitForUploader(page: Page): Promise<void> {
  await expect(page.getByTestId("uploader")).toHaveAttribute("data-ready", "true");
}

export async function addFiles(page: Page, paths: string[]): Promise<void> {
  await page.locator(".uppy-Dashboard-input").first().setInputFiles(paths);
}

/** After a restore the Dashboard lists its files; "Add more" opens the picker again. */
export async function reselectFiles(page: Page, paths: string[]): Promise<void> {
  await page.locator(".uppy-Dashboard").getByRole("button", { name: "Add more" }).click();
  await addFiles(page, paths);
}

export function uploadRow(page: Page, name: string): Locator {
  return page.getByTestId("upload-row").filter({ has: page.locator(".live-name", { hasText: name }) });
}

export async function uploadIdOf(row: Locator): Promise<string> {
  await expect(row).toHaveAttribute("data-upload-id", /^upl_/);
  return (await row.getAttribute("data-upload-id"))!;
}

/** `GET /api/uploads/:id` with the page's session, as the page itself would ask. */
export async function fetchUpload(page: Page, id: string) {
  const res = await page.request.get(`/api/uploads/${id}`);
  expect(res.status()).toBe(200);
  return (await res.json()) as { upload: { status: string; key: string }; events: { type: string }[] };
}

export type PartPut = { partNumber: number; uploadId: string };

/** A part PUT to the store: presigned URLs carry `partNumber` and the S3 `uploadId`. */
export function partPutOf(request: Request): PartPut | null {
  if (request.method() !== "PUT") return null;
  const url = new URL(request.url());
  const partNumber = url.searchParams.get("partNumber");
  const uploadId = url.searchParams.get("uploadId");
  return partNumber && uploadId ? { partNumber: Number(partNumber), uploadId } : null;
}

/** Holds every part PUT for `delayMs`, so a test can act while an upload is mid-way. */
export async function slowDownPartPuts(page: Page, delayMs: number): Promise<void> {
  await page.route(
    (url) => url.searchParams.has("partNumber"),
    async (route) => {
      if (route.request().method() === "PUT") await new Promise((resolve) => setTimeout(resolve, delayMs));
      await route.continue().catch(() => {});
    },
  );
}
