import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { Endpoint, startServer } from "./helpers.js";

/** The test file's server and destination; assigned by `withServerAndEndpoint` before its tests run. */
export let s: Awaited<ReturnType<typeof startServer>>;
export let ep: Endpoint;

/** Starts a local QStash server and a recording destination before the file's tests and stops both after. */
export function withServerAndEndpoint(): void {
  beforeAll(async () => {
    s = await startServer();
    ep = await new Endpoint().start();
  });
  afterAll(async () => {
    await s.stop();
    await ep.stop();
  });
}

/**
 * Returns a maker of temporary directories that are removed after the file's tests. Call it
 * before registering the file's own hooks, so the removal runs after they stopped whatever
 * used the directories (vitest runs afterAll hooks in reverse order).
 */
export function withTempDirs(prefix: string): () => string {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  return () => {
    const d = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(d);
    return d;
  };
}
