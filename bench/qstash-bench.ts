/**
 * Benchmark for the local QStash server (dev/qstash). Loopback only, bounded in count and time.
 *
 *   npx tsx bench/qstash-bench.ts           # full run (~1–2 min)
 *   npx tsx bench/qstash-bench.ts --quick   # short run
 *
 * The server runs in a child process (as it would next to `next dev`); the destination endpoint
 * and the load generator share this process. The baseline is a bare Node HTTP POST round trip
 * from this process to the same kind of endpoint, so ratios show what QStash-style delivery
 * (publish request + queueing + signed outgoing request) costs on top of one plain hop.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";

const QUICK = process.argv.includes("--quick");
const CFG = QUICK
  ? { latencyN: 300, warmup: 50, tputN: 5_000, concurrency: 64, memN: 20_000, memStep: 5_000, durableN: 2_000 }
  : { latencyN: 2_000, warmup: 200, tputN: 20_000, concurrency: 64, memN: 100_000, memStep: 10_000, durableN: 5_000 };
const HARD_LIMIT_MS = QUICK ? 120_000 : 480_000;
const TOKEN = "eyJVc2VySUQiOiJkZWZhdWx0VXNlciIsIlBhc3N3b3JkIjoiZGVmYXVsdFBhc3N3b3JkIn0=";
const ROOT = resolve(import.meta.dirname ?? __dirname, "..");

// Server children must never outlive the benchmark, whatever way it ends.
const children = new Set<ChildProcess>();
process.on("exit", () => {
  for (const c of children) c.kill("SIGKILL");
});
for (const sig of ["SIGINT", "SIGTERM"] as const) process.on(sig, () => process.exit(130));

setTimeout(() => {
  console.error(`benchmark exceeded ${HARD_LIMIT_MS} ms, aborting`);
  process.exit(2);
}, HARD_LIMIT_MS).unref();

// ---- destination endpoint (records arrival per sequence number in the body) ------------

const arrivals = new Map<number, number>();
const waiters = new Map<number, () => void>();
let delivered = 0;
const endpoint = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const seq = Number(Buffer.concat(chunks).toString());
    const now = performance.now();
    if (!arrivals.has(seq)) {
      arrivals.set(seq, now);
      delivered++;
    }
    res.end("ok");
    waiters.get(seq)?.();
  });
});
endpoint.keepAliveTimeout = 65_000;

// ---- helpers ----------------------------------------------------------------------------

function post(agent: http.Agent, url: URL, path: string, body: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { agent, host: url.hostname, port: url.port, path, method: "POST", headers: { "Content-Length": Buffer.byteLength(body), ...headers } },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

async function startServerChild(args: string[] = []): Promise<{ child: ChildProcess; url: URL }> {
  const extra = process.env.QSTASH_BENCH_NODE_ARGS?.split(" ").filter(Boolean) ?? [];
  const child = spawn(process.execPath, ["--expose-gc", ...extra, "--import", "tsx", join(ROOT, "dev/qstash/main.ts"), "--port", "0", "--quiet", ...args], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.add(child);
  child.once("exit", () => children.delete(child));
  return new Promise((res, rej) => {
    let out = "";
    child.stdout!.on("data", (c) => {
      out += c;
      const m = /running at (http:\/\/\S+)/i.exec(out);
      if (m) res({ child, url: new URL(m[1]) });
    });
    child.once("exit", (code) => rej(new Error(`server exited ${code}: ${out}`)));
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  await exited;
}

async function stats(url: URL, gc = true): Promise<{ rss: number; heapUsed: number; pending: number; cpuMicros: number }> {
  const r = await fetch(new URL(`/_local/stats${gc ? "?gc=1" : ""}`, url), { headers: { Authorization: `Bearer ${TOKEN}` } });
  return (await r.json()) as { rss: number; heapUsed: number; pending: number; cpuMicros: number };
}

/** CPU time per message is far less sensitive to a busy machine than wall-clock rates. */
function cpuNow(): number {
  const c = process.cpuUsage();
  return c.user + c.system;
}

let seqCounter = 0;
const nextSeq = () => ++seqCounter;
const waitArrival = (seq: number) =>
  new Promise<void>((r) => {
    if (arrivals.has(seq)) return r();
    waiters.set(seq, () => {
      waiters.delete(seq);
      r();
    });
  });

async function untilDelivered(target: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (delivered < target) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 5));
  }
  return true;
}

// ---- measurements -----------------------------------------------------------------------

/** Idle latency: one message at a time, publish start → endpoint receives it. */
async function latency(send: (seq: number) => Promise<unknown>, n: number, warmup: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n + warmup; i++) {
    const seq = nextSeq();
    const t0 = performance.now();
    const arrived = waitArrival(seq);
    await send(seq);
    await arrived;
    if (i >= warmup) out.push(arrivals.get(seq)! - t0);
  }
  return out;
}

/** Closed-loop load with `concurrency` publishes in flight; rate counts only once all are delivered. */
async function throughput(send: (seq: number) => Promise<number>, n: number, concurrency: number) {
  const base = delivered;
  const t0 = performance.now();
  let issued = 0;
  let errors = 0;
  async function worker() {
    while (issued < n) {
      issued++;
      const status = await send(nextSeq());
      if (status < 200 || status >= 300) errors++;
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  const acceptedMs = performance.now() - t0;
  const allDelivered = await untilDelivered(base + n - errors, 60_000);
  const doneMs = performance.now() - t0;
  return { acceptRate: n / (acceptedMs / 1000), deliveredRate: (delivered - base) / (doneMs / 1000), allDelivered: allDelivered && errors === 0, errors, n };
}

async function main() {
  await new Promise<void>((r) => endpoint.listen(0, "127.0.0.1", r));
  const epUrl = `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}`;
  const epParsed = new URL(epUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: CFG.concurrency });
  const rows: string[][] = [];
  const fmt = (x: number, d = 2) => x.toFixed(d);

  console.log(`qstash-bench ${QUICK ? "(quick)" : "(full)"} — node ${process.version}, ${(await import("node:os")).cpus().length} CPUs`);

  // Baseline: bare HTTP round trip to the same endpoint.
  const direct = (seq: number) => post(agent, epParsed, "/direct", String(seq));
  const baseLat = await latency(direct, CFG.latencyN, CFG.warmup);
  let c0 = cpuNow();
  const baseTput = await throughput(direct, CFG.tputN, CFG.concurrency);
  const baseCpuPerMsg = (cpuNow() - c0) / CFG.tputN;

  // Local QStash, in-memory (the default, like the official dev server).
  const { child, url } = await startServerChild();
  const publishPath = `/v2/publish/${epUrl}/hook`;
  const auth = { Authorization: `Bearer ${TOKEN}`, "Content-Type": "text/plain" };
  const publish = (seq: number) => post(agent, url, publishPath, String(seq), auth);
  const qLat = await latency(publish, CFG.latencyN, CFG.warmup);
  c0 = cpuNow();
  const s0 = (await stats(url, false)).cpuMicros;
  const qTput = await throughput(publish, CFG.tputN, CFG.concurrency);
  const serverCpuPerMsg = ((await stats(url, false)).cpuMicros - s0) / CFG.tputN;
  const loadgenCpuPerMsg = (cpuNow() - c0) / CFG.tputN;

  rows.push(["idle latency p50 (ms)", fmt(pct(baseLat, 50)), fmt(pct(qLat, 50)), `${fmt(pct(qLat, 50) / pct(baseLat, 50))}×`, "≤ 5"]);
  rows.push(["idle latency p99 (ms)", fmt(pct(baseLat, 99)), fmt(pct(qLat, 99)), `${fmt(pct(qLat, 99) / pct(baseLat, 99))}×`, "≤ 25"]);
  rows.push(["sustained accepted/s", fmt(baseTput.acceptRate, 0), fmt(qTput.acceptRate, 0), `${fmt(qTput.acceptRate / baseTput.acceptRate)}×`, "≥ 2000"]);
  rows.push([
    "sustained delivered/s (all)",
    fmt(baseTput.deliveredRate, 0),
    fmt(qTput.deliveredRate, 0),
    `${fmt(qTput.deliveredRate / baseTput.deliveredRate)}×`,
    "≥ 2000",
  ]);
  rows.push(["CPU µs/msg (server process)", "—", fmt(serverCpuPerMsg, 0), "", ""]);
  rows.push(["CPU µs/msg (client+endpoint)", fmt(baseCpuPerMsg, 0), fmt(loadgenCpuPerMsg, 0), `${fmt(loadgenCpuPerMsg / baseCpuPerMsg)}×`, ""]);
  rows.push(["all delivered", String(baseTput.allDelivered), `${qTput.allDelivered} (${qTput.n - qTput.errors}/${qTput.n})`, "", "true"]);

  // Memory over many delivered messages (bounded retention must keep it flat).
  const samples: { at: number; rss: number; heap: number }[] = [];
  let sent = 0;
  while (sent < CFG.memN) {
    const r = await throughput(publish, CFG.memStep, CFG.concurrency);
    if (!r.allDelivered) throw new Error("memory run: not all delivered");
    sent += CFG.memStep;
    await stats(url); // full GC, then let the allocator settle before reading RSS
    await new Promise((r) => setTimeout(r, 200));
    const st = await stats(url, false);
    samples.push({ at: sent, rss: st.rss, heap: st.heapUsed });
  }
  await stopChild(child);
  const first = samples[0];
  const last = samples[samples.length - 1];
  const maxRss = Math.max(...samples.map((s) => s.rss));
  const minRss = Math.min(...samples.map((s) => s.rss));
  const driftPct = ((last.rss - first.rss) / first.rss) * 100;
  const spreadPct = ((maxRss - minRss) / first.rss) * 100;
  const heapDriftPct = ((last.heap - first.heap) / first.heap) * 100;
  const meanRss = samples.reduce((a, s) => a + s.rss, 0) / samples.length;
  const maxDevPct = Math.max(...samples.map((s) => Math.abs(s.rss - meanRss) / meanRss)) * 100;

  // Durable mode: same load with a journal (fsync group commit on accept).
  const dir = mkdtempSync(join(tmpdir(), "qstash-bench-"));
  let durable: Awaited<ReturnType<typeof throughput>> | undefined;
  let durLat: number[] = [];
  try {
    const d = await startServerChild(["--data-dir", dir]);
    const durPublish = (seq: number) => post(agent, d.url, publishPath, String(seq), auth);
    durLat = await latency(durPublish, Math.min(CFG.latencyN, 500), CFG.warmup);
    durable = await throughput(durPublish, CFG.durableN, CFG.concurrency);
    await stopChild(d.child);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const pad = (s: string, n: number) => s.padEnd(n);
  console.log(`\n${[pad("metric", 30), pad("bare HTTP", 12), pad("qstash-local", 24), pad("ratio", 8), "target"].join(" ")}`);
  console.log("-".repeat(90));
  for (const r of rows) console.log([pad(r[0], 30), pad(r[1], 12), pad(r[2], 24), pad(r[3], 8), r[4]].join(" "));
  console.log(`\nRSS over ${CFG.memN.toLocaleString()} delivered messages (after GC, sampled every ${CFG.memStep.toLocaleString()}):`);
  console.log(`  ${samples.map((s) => `${s.at / 1000}k:${(s.rss / 1048576).toFixed(1)}MB`).join("  ")}`);
  console.log(
    `  drift first→last ${driftPct.toFixed(1)}%, max deviation from mean ±${maxDevPct.toFixed(1)}% (target ±10%), max spread ${spreadPct.toFixed(1)}%; heapUsed drift ${heapDriftPct.toFixed(1)}%`,
  );
  if (durable) {
    console.log(
      `\nDurable mode (--data-dir, fsync on accept): idle p50 ${fmt(pct(durLat, 50))} ms, p99 ${fmt(pct(durLat, 99))} ms; ` +
        `${fmt(durable.acceptRate, 0)} accepted/s, ${fmt(durable.deliveredRate, 0)} delivered/s, all delivered: ${durable.allDelivered}`,
    );
  }
  agent.destroy();
  endpoint.closeAllConnections();
  endpoint.close();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
