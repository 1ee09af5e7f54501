/**
 * Control-plane latency while the worker checksums a multi-GiB file in the same app
 * process: one client creates, signs and reads the upload's status back to back for as
 * long as the checksum runs, and the same loop runs first with the app idle (the bytes
 * uploaded, /complete not yet called), so the ratio compares like with like in one run.
 * The file goes the real way: an intent, its parts PUT to the presigned URLs, /complete,
 * the slot's QStash, the worker route.
 */
import { performance } from "node:perf_hooks";
import type { CookieJar, formatRow as FormatRow, measure as Measure, Stats } from "./measure";

type User = { id: string; jar: CookieJar; projectId: string };
type Ctx = {
  gib: number;
  owner: User;
  call: (user: User, path: string, init?: RequestInit) => Promise<Response>;
  createOnce: (i: number) => Promise<boolean>;
  signTargets: () => { id: string; user: User }[];
  signOnce: (targets: { id: string; user: User }[]) => (i: number) => Promise<boolean>;
  measure: typeof Measure;
  formatRow: typeof FormatRow;
};

const MiB = 1024 ** 2;
const PUT_CONCURRENCY = 6;
/** Iterations of the idle loop (create, sign, status) before the checksum starts. */
const IDLE_ROUNDS = 40;

function stats(times: number[], errors: number, seconds: number, load: [number, number]): Stats {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
  return { n: sorted.length, p50: at(50), p99: at(99), mean: sorted.reduce((a, b) => a + b, 0) / sorted.length, errors, rps: sorted.length / seconds, load };
}

export async function besideChecksum(ctx: Ctx): Promise<void> {
  const size = ctx.gib * 1024 * MiB;
  const created = await ctx.call(ctx.owner, "/api/uploads", {
    method: "POST",
    body: JSON.stringify({
      name: "bench-checksum.pdf",
      type: "application/pdf",
      size,
      projectId: ctx.owner.projectId,
      options: { checksum: true, sniff: false, probe: false, thumbnail: false, storyboard: false },
    }),
  });
  const intent = (await created.json()) as { upload: { id: string }; multipart: { key: string; partSize: number; partCount: number } };
  if (created.status !== 201) throw new Error(`create answered ${created.status}: ${JSON.stringify(intent)}`);
  const { id } = intent.upload;
  try {
    await uploadAndMeasure(ctx, id, size, intent.multipart);
  } finally {
    // The one object this run stored; the intent's row goes with its benchmark user.
    const { deleteObject } = await import("@/lib/storage/objects");
    await deleteObject(intent.multipart.key).catch(() => {});
  }
}

async function uploadAndMeasure(ctx: Ctx, id: string, size: number, multipart: { partSize: number; partCount: number }): Promise<void> {
  const { loadavg } = await import("node:os");
  const { partSize, partCount } = multipart;
  console.log(`\nbeside a checksum: uploading ${ctx.gib} GiB (${partCount} parts) as ${id} …`);
  // A PDF header, so confirm's type check accepts the bytes; the rest is filler.
  const body = new Uint8Array(partSize).fill(0x0a);
  const header = new TextEncoder().encode("%PDF-1.7\n");
  const firstPart = new Uint8Array(partSize).fill(0x0a);
  firstPart.set(header);
  for (let first = 1; first <= partCount; first += 100) {
    const numbers = Array.from({ length: Math.min(100, partCount - first + 1) }, (_, i) => first + i);
    const res = await ctx.call(ctx.owner, `/api/uploads/${id}/parts`, { method: "POST", body: JSON.stringify({ partNumbers: numbers }) });
    const { parts } = (await res.json()) as { parts: { partNumber: number; url: string }[] };
    let next = 0;
    await Promise.all(
      Array.from({ length: PUT_CONCURRENCY }, async () => {
        for (let i = next++; i < parts.length; i = next++) {
          const p = parts[i]!;
          const length = p.partNumber < partCount ? partSize : size - partSize * (partCount - 1);
          const put = await fetch(p.url, { method: "PUT", body: (p.partNumber === 1 ? firstPart : body).subarray(0, length) });
          if (!put.ok) throw new Error(`part ${p.partNumber} PUT answered ${put.status}: ${await put.text()}`);
        }
      }),
    );
  }
  const status = async () => (await (await ctx.call(ctx.owner, `/api/uploads/${id}`)).json()) as { upload?: { status: string }; status?: string };
  const statusOf = async () => {
    const s = await status();
    return s.upload?.status ?? s.status ?? "?";
  };
  // Targets are read per call: the creates in the loop make them.
  const signOnce = (i: number) => ctx.signOnce(ctx.signTargets())(i);
  const samples = () => ({ create: [] as number[], sign: [] as number[], status: [] as number[], errors: { create: 0, sign: 0, status: 0 } });
  /** One round of the loop: create an intent, sign 100 parts of one, read this upload's status. */
  const round = async (i: number, into: ReturnType<typeof samples>) => {
    const a = performance.now();
    if (!(await ctx.createOnce(100_000 + i).catch(() => false))) into.errors.create++;
    into.create.push(performance.now() - a);
    const b = performance.now();
    if (!(await signOnce(i).catch(() => false))) into.errors.sign++;
    into.sign.push(performance.now() - b);
    const c = performance.now();
    const state = await statusOf().catch(() => "?");
    into.status.push(performance.now() - c);
    if (state === "?") into.errors.status++;
    return state;
  };

  const idle = samples();
  const idleLoad0 = loadavg()[0]!;
  const i0 = performance.now();
  for (let i = 0; i < IDLE_ROUNDS; i++) await round(i, idle);
  const idleSeconds = (performance.now() - i0) / 1000;
  const idleLoad: [number, number] = [idleLoad0, loadavg()[0]!];

  const done = await ctx.call(ctx.owner, `/api/uploads/${id}/complete`, { method: "POST", body: "{}" });
  if (!done.ok) throw new Error(`complete answered ${done.status}: ${await done.text()}`);
  const waitStart = performance.now();
  let state = await statusOf();
  while (state !== "processing" && state !== "processed" && state !== "failed" && performance.now() - waitStart < 120_000) {
    await new Promise((r) => setTimeout(r, 100));
    state = await statusOf();
  }
  if (state !== "processing") {
    console.log(`the checksum was not observed running (status ${state}); no figure`);
    return;
  }
  const busy = samples();
  const load0 = loadavg()[0]!;
  const t0 = performance.now();
  // A failed status read ("?") does not end the loop; a final state or half an hour does.
  for (let i = IDLE_ROUNDS; (state === "processing" || state === "?") && performance.now() - t0 < 30 * 60_000; i++) state = await round(i, busy);
  const seconds = (performance.now() - t0) / 1000;
  const load: [number, number] = [load0, loadavg()[0]!];
  console.log(
    `checksum of ${ctx.gib} GiB ran ≥ ${seconds.toFixed(1)} s (final status ${state}); 1 client, idle first (${IDLE_ROUNDS} rounds), then beside it (${busy.create.length} rounds):`,
  );
  for (const [name, key] of [
    ["POST /api/uploads", "create"],
    ["POST …/parts (100 URLs)", "sign"],
    ["GET /api/uploads/:id (status)", "status"],
  ] as const) {
    const a = stats(idle[key], idle.errors[key], idleSeconds, idleLoad);
    const b = stats(busy[key], busy.errors[key], seconds, load);
    console.log(ctx.formatRow(`${name}, idle`, a));
    console.log(ctx.formatRow(`${name}, beside checksum`, b, [`×${(b.p50 / a.p50).toFixed(2)} idle p50`, `×${(b.p99 / a.p99).toFixed(2)} idle p99`]));
  }
}
