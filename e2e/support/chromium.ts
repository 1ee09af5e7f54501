/** How Playwright launches Chromium here, for the e2e suite and the Uppy benchmark alike. */
export function chromiumLaunchOptions() {
  return {
    // Debian's Chromium: Playwright cannot download its own browser here.
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    // Without these Chromium keeps dialling Google's hosts, which this network refuses.
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  };
}
