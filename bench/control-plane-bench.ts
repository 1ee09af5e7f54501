/**
 * Latency of the two hot control-plane routes under concurrent clients, against a running app.
 *
 *   npx tsx bench/control-plane-bench.ts                       # app on http://localhost:3000
 *   npx tsx bench/control-plane-bench.ts --url http://localhost:3100 --requests 600
 *   npx tsx bench/control-plane-bench.ts --quick
 *
 * Signs in as the seeded pro user and uses their first project. Measures, with 20 clients
 * in parallel: POST /api/uploads (a 1 GiB multipart intent: DB insert + S3
 * CreateMultipartUpload) and POST /api/uploads/:id/parts (a batch of 100 part URLs, as the
 * uploader asks). Baselines in the same run: a bare node:http round trip from this process,
 * and the app's own 404, which costs Next's routing but no handler. Intents made here are
 * cancelled afterwards (not timed), so no multipart upload is left in the bucket.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";

const PRO_USER = { email: "pro@biblio.local", password: "biblio-pro-dev" };
const TARGETS = { p50: 20, p99: 80 };
const GiB = 1024 ** 3;

function arg(flag: string): string | undefined {
  const i = process.argv.indexOf(flag);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const QUICK = process.argv.includes("--quick");
const BASE = (arg("--url") ?? "http://localhost:3000").replace(/\/$/, "");
const CLIENTS = Number(arg("--clients") ?? 20);
const REQUESTS = Number(arg("--requests") ?? (QUICK ? 200 : 400));
const WARMUP = QUICK ? 20 : 40;

setTimeout(() => {
  console.error("benchmark exceeded 10 minutes, aborting");
  process.exit(2);
}, 10 * 60_000).unref();

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

type Stats = { n: number; p50: number; p99: number; mean: number; errors: number };

/** Runs `total` calls of `once` spread over `clients` concurrent loops; returns per-call latency. */
async function measure(total: number, clients: number, once: (i: number) => Promise<boolean>): Promise<Stats> {
  const times: number[] = [];
  let errors = 0;
  let next = 0;
  const loop = async () => {
    for (let i = next++; i < total; i = next++) {
      const t0 = performance.now();
      const ok = await once(i).catch(() => false);
      times.push(performance.now() - t0);
      if (!ok) errors++;
    }
  };
  await Promise.all(Array.from({ length: clients }, loop));
  times.sort((a, b) => a - b);
  return { n: times.length, p50: percentile(times, 50), p99: percentile(times, 99), mean: times.reduce((a, b) => a + b, 0) / times.length, errors };
}

async function signIn(): Promise<string> {
  const res = await fetch(`${BASE}/api/auth/sign-in/email`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: BASE },
    body: JSON.stringify(PRO_USER),
  });
  if (!res.ok) throw new Error(`sign-in answered ${res.status}: is the app at ${BASE} running with the stack?`);
  const cookies = res.headers.getSetCookie().map((c) => c.split(";")[0]);
  return cookies.join("; ");
}

function startBareServer(): Promise<{ url: string; close: () => void }> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"ok":true}');
    });
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, close: () => server.close() })),
  );
}

function row(name: string, s: Stats, baseline?: Stats): string {
  const ratio = baseline ? `  ×${(s.p50 / baseline.p50).toFixed(1)} p50, ×${(s.p99 / baseline.p99).toFixed(1)} p99 vs bare` : "";
  const errors = s.errors ? `  (${s.errors} errors)` : "";
  return `${name.padEnd(24)} p50 ${s.p50.toFixed(1).padStart(7)} ms   p99 ${s.p99.toFixed(1).padStart(7)} ms   mean ${s.mean.toFixed(1).padStart(7)} ms  n=${s.n}${ratio}${errors}`;
}

async function main() {
  const cookie = await signIn();
  const headers = { cookie, "content-type": "application/json", accept: "application/json", origin: BASE };
  const projects = (await (await fetch(`${BASE}/api/projects`, { headers })).json()) as { projects: { id: string }[] };
  const projectId = projects.projects[0]?.id;
  if (!projectId) throw new Error("the pro user has no project");

  const created: string[] = [];
  const createOnce = async (i: number) => {
    const res = await fetch(`${BASE}/api/uploads`, {
      method: "POST",
      headers,
      body: JSON.stringify({ name: `bench-${i}.mp4`, type: "video/mp4", size: GiB, projectId, options: { checksum: false, sniff: true, probe: false } }),
    });
    const body = (await res.json()) as { upload?: { id: string } };
    if (body.upload) created.push(body.upload.id);
    return res.status === 201;
  };

  const bare = await startBareServer();
  try {
    console.log(`app ${BASE}: ${CLIENTS} clients, ${REQUESTS} requests per route (after ${WARMUP} warm-up)`);
    await measure(WARMUP, CLIENTS, () => fetch(bare.url).then((r) => r.text().then(() => r.ok)));
    const bareStats = await measure(REQUESTS, CLIENTS, () => fetch(bare.url).then((r) => r.text().then(() => r.ok)));
    console.log(row("bare node:http", bareStats));

    const notFound = `${BASE}/api/uploads/upl_bench/not-a-route`;
    await measure(WARMUP, CLIENTS, () => fetch(notFound, { headers }).then((r) => r.text().then(() => r.status === 404)));
    const notFoundStats = await measure(REQUESTS, CLIENTS, () => fetch(notFound, { headers }).then((r) => r.text().then(() => r.status === 404)));
    console.log(row("app 404", notFoundStats, bareStats));

    await measure(WARMUP, CLIENTS, createOnce);
    const createStats = await measure(REQUESTS, CLIENTS, createOnce);
    console.log(row("POST /api/uploads", createStats, bareStats));

    // Sign 100 parts of intents made above, spread over them as many uploads would be.
    const targets = created.slice(0, Math.max(1, Math.min(created.length, 50)));
    const partNumbers = Array.from({ length: 100 }, (_, i) => i + 1);
    const signOnce = async (i: number) => {
      const res = await fetch(`${BASE}/api/uploads/${targets[i % targets.length]}/parts`, {
        method: "POST",
        headers,
        body: JSON.stringify({ partNumbers }),
      });
      await res.arrayBuffer();
      return res.ok;
    };
    await measure(WARMUP, CLIENTS, signOnce);
    const signStats = await measure(REQUESTS, CLIENTS, signOnce);
    console.log(row("POST …/parts (100)", signStats, bareStats));

    for (const [name, s] of [["create", createStats], ["sign", signStats]] as const) {
      const verdict = [s.p50 <= TARGETS.p50 ? "p50 met" : "p50 NOT met", s.p99 <= TARGETS.p99 ? "p99 met" : "p99 NOT met"].join(", ");
      console.log(`${name}: targets p50 ≤ ${TARGETS.p50} ms, p99 ≤ ${TARGETS.p99} ms: ${verdict}`);
    }
  } finally {
    bare.close();
    // Cancelling each intent aborts its multipart upload in the bucket.
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let i = next++; i < created.length; i = next++) {
          await fetch(`${BASE}/api/uploads/${created[i]}`, { method: "DELETE", headers }).catch(() => {});
        }
      }),
    );
    console.log(`cancelled ${created.length} benchmark intents`);
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
