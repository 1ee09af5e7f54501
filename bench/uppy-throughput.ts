/**
 * Uploads one large multipart file through the real uploader UI (Uppy in Chromium) and the
 * same multipart upload straight from Node to the same store, in one run, and compares them.
 *
 *   npx tsx bench/uppy-throughput.ts                    # 1 GiB, starts `next start` on the slot's app port
 *   npx tsx bench/uppy-throughput.ts --quick            # 128 MiB
 *   npx tsx bench/uppy-throughput.ts --size-mib 512 --url http://localhost:3190   # the slot's app, already running
 *
 * Runs in the test world (bench/world.ts: slot BIBLIO_TEST_SLOT, 9 by default) and needs that
 * slot's stack (`BIBLIO_WORLD=test BIBLIO_TEST_SLOT=9 ./dev/up --no-app`). Without --url it runs
 * `next start` of the slot's build (`.next-<slot>`) on the slot's app port with the stack's env:
 * pass --build to run `next build` first. The bucket's CORS admits the slot's app URL only.
 *
 * Same part size (lib/uploads/part-size.ts) and the same concurrency as Uppy's `limit` on
 * both sides. Control-plane requests (create, sign, list, complete; not status polling) are
 * counted per upload against the budget of 3 + 1 per 100 parts.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, existsSync, ftruncateSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { open } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  ListObjectsV2Command,
  S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { chromium, type Page } from "@playwright/test";
import { chromiumLaunchOptions } from "../e2e/support/chromium";
import { PART_UPLOAD_CONCURRENCY, partCountFor, partSizeFor } from "../lib/uploads/part-size";
import { BENCH_SLOT } from "./world";

const ROOT = resolve(__dirname, "..");
const MiB = 1024 ** 2;
const PRO_USER = { email: "pro@biblio.local", password: "biblio-pro-dev" };
const TARGET_RATIO = 0.7;

type Args = { sizeMiB: number; url: string | null; build: boolean };

function parseArgs(argv: string[]): Args {
  const quick = argv.includes("--quick");
  const at = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const sizeMiB = Number(at("--size-mib") ?? (quick ? 128 : 1024));
  if (!Number.isFinite(sizeMiB) || sizeMiB <= 16) throw new Error("--size-mib must be above 16 (the multipart threshold)");
  return { sizeMiB, url: at("--url") ?? null, build: argv.includes("--build") };
}

async function readStackEnv(): Promise<Record<string, string>> {
  const { readRunningStack } = await import("../dev/stack/stack");
  const running = readRunningStack();
  if (!running) throw new Error(`no running test-world stack in slot ${BENCH_SLOT}: start BIBLIO_WORLD=test BIBLIO_TEST_SLOT=${BENCH_SLOT} ./dev/up --no-app`);
  return running.env;
}

/** Sparse apart from an `ftyp` box, so the server's sniffing sees video/mp4 and the disk stays empty. */
function writeBenchFile(dir: string, size: number): string {
  const path = join(dir, `bench-${size / MiB}mib.mp4`);
  const fd = openSync(path, "w");
  try {
    writeSync(fd, Buffer.from("\0\0\0\x20ftypisom\0\0\x02\0isomiso2avc1mp41", "latin1"));
    ftruncateSync(fd, size);
  } finally {
    closeSync(fd);
  }
  return path;
}

function run(cmd: string, args: string[], env: Record<string, string>): Promise<void> {
  return new Promise((ok, fail) => {
    const child = spawn(join(ROOT, "node_modules", ".bin", cmd), args, { cwd: ROOT, stdio: "inherit", env: { ...process.env, ...env } });
    child.on("exit", (code) => (code === 0 ? ok() : fail(new Error(`${cmd} ${args.join(" ")} exited ${code}`))));
  });
}

async function startApp(env: Record<string, string>, build: boolean): Promise<{ url: string; child: ChildProcess }> {
  const url = env.APP_URL!;
  const port = Number(new URL(url).port);
  const distDir = `.next-${BENCH_SLOT}`;
  const appEnv = { ...env, NEXT_DIST_DIR: distDir, NEXT_TELEMETRY_DISABLED: "1" };
  if (build) await run("next", ["build"], appEnv);
  if (!existsSync(join(ROOT, distDir, "BUILD_ID"))) throw new Error(`no production build in ${distDir}: pass --build, or --url for a running app`);
  const child = spawn(join(ROOT, "node_modules", ".bin", "next"), ["start", "--port", String(port)], {
    cwd: ROOT,
    env: { ...process.env, ...appEnv },
    stdio: ["ignore", "ignore", "inherit"],
    detached: true,
  });
  for (let i = 0; i < 120; i++) {
    try {
      if ((await fetch(`${url}/`)).ok) return { url, child };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`next start did not answer on ${url}`);
}

type ControlPlane = { create: number; sign: number; list: number; complete: number; status: number };

function classify(method: string, url: URL): keyof ControlPlane | null {
  const path = url.pathname;
  if (method === "POST" && path === "/api/uploads") return "create";
  if (/^\/api\/uploads\/[^/]+\/parts$/.test(path)) return method === "POST" ? "sign" : "list";
  if (method === "POST" && /^\/api\/uploads\/[^/]+\/complete$/.test(path)) return "complete";
  if (method === "GET" && /^\/api\/uploads\/[^/]+$/.test(path)) return "status";
  return null;
}

async function signIn(page: Page, url: string): Promise<void> {
  await page.goto(`${url}/sign-in`);
  await page.getByLabel("Email").fill(PRO_USER.email);
  await page.getByLabel("Password").fill(PRO_USER.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL("**/projects");
}

/** Uploads the browser made; their objects are deleted at the end so runs do not fill the local store. */
const benchUploads: string[] = [];

async function deleteBenchObjects(env: Record<string, string>): Promise<void> {
  const s3 = s3For(env);
  try {
    for (const id of benchUploads) {
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: env.S3_BUCKET!, Prefix: `uploads/${id}/` }));
      for (const object of listed.Contents ?? []) await s3.send(new DeleteObjectCommand({ Bucket: env.S3_BUCKET!, Key: object.Key! }));
    }
  } finally {
    s3.destroy();
  }
}

function s3For(env: Record<string, string>): S3Client {
  return new S3Client({
    endpoint: env.S3_ENDPOINT,
    region: env.S3_REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: env.S3_ACCESS_KEY_ID!, secretAccessKey: env.S3_SECRET_ACCESS_KEY! },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
}

async function uploadThroughUppy(url: string, file: string, size: number) {
  const browser = await chromium.launch(chromiumLaunchOptions());
  try {
    const page = await browser.newPage();
    const counts: ControlPlane = { create: 0, sign: 0, list: 0, complete: 0, status: 0 };
    let partPuts = 0;
    let firstPartAt = 0;
    const putSpans: [number, number][] = [];
    page.on("request", (request) => {
      const u = new URL(request.url());
      const kind = classify(request.method(), u);
      if (kind) counts[kind]++;
      if (request.method() === "PUT" && u.searchParams.has("partNumber")) {
        partPuts++;
        firstPartAt ||= performance.now();
      }
    });
    await signIn(page, url);
    await page.getByTestId("project-item").first().getByRole("link").click();
    await page.getByTestId("uploader").and(page.locator('[data-ready="true"]')).waitFor();
    const row = page.getByTestId("upload-row").first();
    // The Dashboard can drop a pick made in the instant it mounts; pick again, as a person would.
    for (let attempt = 1; ; attempt++) {
      await page.locator(".uppy-Dashboard-input").first().setInputFiles(file);
      try {
        await row.and(page.locator('[data-status="ready"]')).waitFor({ timeout: 10_000 });
        break;
      } catch (error) {
        if (attempt < 3) continue;
        await page.screenshot({ path: join(ROOT, ".data", "bench-uppy-failure.png"), fullPage: true });
        throw error;
      }
    }

    // `complete` answered: the bytes are stored and the server has checked them.
    const completed = page.waitForResponse((r) => r.request().method() === "POST" && r.url().endsWith("/complete"), {
      timeout: 30 * 60_000,
    });
    const clickedAt = performance.now();
    if (process.env.BENCH_TRACE) {
      let shown = 0;
      const trace = (what: string, u: string) => {
        if (shown++ < 12) console.log(`  +${(performance.now() - clickedAt).toFixed(0)} ms ${what} ${u.slice(0, 90)}`);
      };
      page.on("request", (r) => trace(`→ ${r.method()}`, r.url()));
      page.on("requestfinished", (r) => trace(`✓ ${r.method()}`, r.url()));
      // Per-part timings: how long each PUT took and how many were in flight on average.
      const started = new Map<string, number>();
      page.on("request", (r) => {
        if (r.method() === "PUT") started.set(r.url(), performance.now());
      });
      page.on("requestfinished", (r) => {
        const t0 = started.get(r.url());
        if (r.method() === "PUT" && t0 !== undefined) putSpans.push([t0, performance.now()]);
      });
    }
    // BENCH_PROFILE=<file>: the page's JS CPU profile during the upload (open in Chrome DevTools).
    const profiler = process.env.BENCH_PROFILE ? await page.context().newCDPSession(page) : null;
    const metrics = async () =>
      Object.fromEntries(((await profiler!.send("Performance.getMetrics")).metrics as { name: string; value: number }[]).map((m) => [m.name, m.value]));
    let before: Record<string, number> = {};
    if (profiler) {
      await profiler.send("Performance.enable");
      before = await metrics();
      await profiler.send("Profiler.enable");
      await profiler.send("Profiler.start");
    }
    if (process.env.BENCH_CHROME_TRACE)
      await browser.startTracing(page, {
        path: process.env.BENCH_CHROME_TRACE,
        categories: ["devtools.timeline", "disabled-by-default-devtools.timeline", "blink", "cc", "toplevel"],
      });
    await page.locator(".uppy-StatusBar-actionBtn--upload").click();
    if (process.env.BENCH_HIDE) await page.addStyleTag({ content: process.env.BENCH_HIDE });
    const response = await completed;
    if (process.env.BENCH_CHROME_TRACE) await browser.stopTracing();
    if (profiler) {
      writeFileSync(process.env.BENCH_PROFILE!, JSON.stringify((await profiler.send("Profiler.stop")).profile));
      const after = await metrics();
      const spent = (k: string) => `${k} ${((after[k]! - before[k]!) * 1000).toFixed(0)} ms`;
      console.log(
        `  page: ${["TaskDuration", "ScriptDuration", "LayoutDuration", "RecalcStyleDuration"].map(spent).join(", ")}; ${after.LayoutCount! - before.LayoutCount!} layouts`,
      );
    }
    const doneAt = performance.now();
    if (!response.ok()) throw new Error(`complete answered ${response.status()}`);
    if (putSpans.length) {
      const durations = putSpans.map(([a, b]) => b - a).sort((a, b) => a - b);
      const busy = durations.reduce((a, b) => a + b, 0);
      const wall = Math.max(...putSpans.map(([, b]) => b)) - Math.min(...putSpans.map(([a]) => a));
      console.log(
        `  part PUTs: median ${durations[durations.length >> 1]!.toFixed(0)} ms, max ${durations.at(-1)!.toFixed(0)} ms, ${(busy / wall).toFixed(1)} in flight on average`,
      );
    }
    await row
      .and(page.locator('[data-status="queued"], [data-status="processing"], [data-status="processed"], [data-status="uploaded"], [data-status="failed"]'))
      .waitFor({ state: "attached", timeout: 60_000 });
    const uploadId = await row.getAttribute("data-upload-id");
    if (uploadId) benchUploads.push(uploadId);
    return {
      seconds: (doneAt - clickedAt) / 1000,
      transferSeconds: (doneAt - firstPartAt) / 1000,
      partPuts,
      counts,
      mbps: size / 1e6 / ((doneAt - clickedAt) / 1000),
    };
  } finally {
    await browser.close();
  }
}

async function uploadFromNode(env: Record<string, string>, file: string, size: number) {
  const s3 = s3For(env);
  const Bucket = env.S3_BUCKET!;
  const Key = `bench/uppy-throughput-${Date.now()}.mp4`;
  const partSize = partSizeFor(size);
  const partCount = partCountFor(size, partSize);
  const handle = await open(file, "r");
  const t0 = performance.now();
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key, ContentType: "video/mp4" }));
  try {
    const etags: string[] = new Array(partCount);
    let next = 1;
    const worker = async () => {
      for (let n = next++; n <= partCount; n = next++) {
        const start = (n - 1) * partSize;
        const length = Math.min(partSize, size - start);
        const body = Buffer.alloc(length);
        await handle.read(body, 0, length, start);
        const res = await s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: n, Body: body, ContentLength: length }));
        etags[n - 1] = res.ETag!;
      }
    };
    await Promise.all(Array.from({ length: PART_UPLOAD_CONCURRENCY }, worker));
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket,
        Key,
        UploadId,
        MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    await s3.send(new DeleteObjectCommand({ Bucket, Key }));
    return { seconds, mbps: size / 1e6 / seconds, partCount, partSize };
  } catch (error) {
    await s3.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId })).catch(() => {});
    throw error;
  } finally {
    await handle.close();
    s3.destroy();
  }
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const env = await readStackEnv();
  const size = args.sizeMiB * MiB;
  const dir = mkdtempSync(join(tmpdir(), "biblio-bench-"));
  let app: ChildProcess | undefined;
  try {
    const file = writeBenchFile(dir, size);
    let url = args.url;
    if (!url) {
      const started = await startApp(env, args.build);
      app = started.child;
      url = started.url;
    }
    const partSize = partSizeFor(size);
    const parts = partCountFor(size, partSize);
    console.log(`uploading ${args.sizeMiB} MiB: ${parts} parts of ${partSize / MiB} MiB, ${PART_UPLOAD_CONCURRENCY} at a time, app ${url}`);

    // Node first warms the store the same way for both; then the browser.
    const node = await uploadFromNode(env, file, size);
    console.log(`node → store      ${node.mbps.toFixed(1)} MB/s  (${node.seconds.toFixed(1)} s)`);
    // One small multipart upload first, so the app's first-request costs (loading each
    // route's bundle, opening DB connections) are not billed to the measured transfer.
    await uploadThroughUppy(url, writeBenchFile(dir, 20 * MiB), 20 * MiB);
    const uppy = await uploadThroughUppy(url, file, size);
    console.log(
      `uppy → store      ${uppy.mbps.toFixed(1)} MB/s  (${uppy.seconds.toFixed(1)} s click→confirmed; ${uppy.transferSeconds.toFixed(1)} s first part→confirmed)`,
    );

    const ratio = uppy.mbps / node.mbps;
    const { create, sign, list, complete, status } = uppy.counts;
    const controlPlane = create + sign + list + complete;
    const budget = 3 + Math.ceil(parts / 100);
    const lines = [
      `ratio uppy/node   ${(ratio * 100).toFixed(0)} %  (target ≥ ${TARGET_RATIO * 100} %: ${ratio >= TARGET_RATIO ? "met" : "NOT met"})`,
      `part PUTs         ${uppy.partPuts} for ${parts} parts`,
      `control plane     ${controlPlane} requests (create ${create}, sign ${sign}, list ${list}, complete ${complete}); budget ${budget}: ${controlPlane <= budget ? "met" : "NOT met"}`,
      `status polls      ${status} (not counted)`,
    ];
    for (const line of lines) console.log(line);
    const resultsDir = join(ROOT, "bench", "results");
    mkdirSync(resultsDir, { recursive: true });
    writeFileSync(
      join(resultsDir, `uppy-throughput-${new Date().toISOString().replace(/[:.]/g, "-")}.json`),
      JSON.stringify({ sizeMiB: args.sizeMiB, parts, partSize, concurrency: PART_UPLOAD_CONCURRENCY, node, uppy, ratio, controlPlane, budget }, null, 2),
    );
  } finally {
    await deleteBenchObjects(env).catch((error) => console.error(`could not delete the benchmark's objects: ${error}`));
    if (app?.pid) {
      try {
        process.kill(-app.pid, "SIGTERM");
      } catch {
        // already gone
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
