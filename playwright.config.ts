import { defineConfig } from "@playwright/test";
import { chromiumLaunchOptions } from "./e2e/support/chromium";

const port = Number(process.env.E2E_PORT ?? 3100);

export default defineConfig({
  testDir: "e2e",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 120_000,
  reporter: [["list"], ["json", { outputFile: process.env.PW_JSON_REPORT ?? ".data/reports/playwright.json" }]],
  // Per test slot: a run that starts clears its output dir, which would delete the traces of a run in another slot.
  outputDir: process.env.BIBLIO_TEST_SLOT ? `.data/playwright-${process.env.BIBLIO_TEST_SLOT}` : ".data/playwright",
  use: {
    baseURL: `http://localhost:${port}`,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: chromiumLaunchOptions(),
  },
  webServer: {
    command: `node_modules/.bin/next start --port ${port} --hostname 127.0.0.1`,
    url: `http://localhost:${port}/`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: "pipe",
    stderr: "pipe",
  },
});
