// The matrix's workload, the same for every configuration: N scripted clients through the
// real HTTP API (80 % call /complete, 15 % vanish after their last byte, 5 % abandon a
// multipart upload midway; single-PUT and multipart sizes mixed), and a burst of small
// objects landing at once through real presigned PUTs.

import { ANALYSIS_OPTIONS } from "@/lib/jobs/job-payload";
import { type Api, type ChaosUser, runClient, type UploadPlan, type UploadRecord } from "../chaos/clients";
import { MULTIPART_SIZE, makeMedia } from "../chaos/media";
import { type BehaviourCount, planClients } from "../chaos/plan";
import { now } from "./proxies";

/**
 * Every processor off: the worker still claims the upload, records its attempt and marks it
 * processed (the effect counted once per upload), but the queue drains faster than the
 * clients fill it, so latency measures the trigger and not a worker backlog.
 */
export const ANALYSIS: Record<string, boolean> = Object.fromEntries(Object.keys(ANALYSIS_OPTIONS.shape).map((name) => [name, false]));

export type MatrixUser = ChaosUser & { id: string };

export function planWorkload(n: number, users: MatrixUser[], seed: number): UploadPlan[] {
  const abandon = Math.max(1, Math.round(n * 0.05));
  const vanish = Math.max(1, Math.round(n * 0.15));
  const counts: BehaviourCount[] = [
    ["abandon", abandon, abandon],
    ["vanish", vanish, Math.max(1, Math.round(vanish * 0.07))],
    ["normal", n - abandon - vanish, Math.max(1, Math.round((n - abandon - vanish) * 0.04))],
  ];
  return planClients(counts, users, seed);
}

/** Runs every client, `concurrency` at a time; each one's record says when its last byte landed. */
export async function runClients(api: Api, plans: UploadPlan[], concurrency: number, tag: string): Promise<UploadRecord[]> {
  const records: UploadRecord[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < plans.length) {
        const plan = plans[next++]!;
        const file = makeMedia(plan.kind, `${tag}-${plan.index}`, plan.strategy === "multipart" ? MULTIPART_SIZE : 0);
        records.push(await runClient(api, plan, file, ANALYSIS));
      }
    }),
  );
  return records;
}

export type BurstRecord = { id: string; key: string; behaviour: "normal" | "vanish"; putAt: number; lastByteAt: number | null; error: string | null };

type Created = { upload: { id: string; storageKey?: string }; put?: { url: string; headers?: Record<string, string> } };

/**
 * The burst: `count` intents are made first (in this process, by the app's own create
 * function, so the intents are real but their making is not part of the burst), then every
 * object is PUT at once; 80 % of the clients call /complete as soon as their PUT returns.
 */
export async function runBurst(input: {
  api: Api;
  users: MatrixUser[];
  count: number;
  tag: string;
  create: (userId: string, body: { name: string; type: string; size: number; projectId: string; options: typeof ANALYSIS }) => Promise<Created>;
  onPutsStart: () => void;
}): Promise<{ records: BurstRecord[]; landingMs: number }> {
  const { api, users, count, tag } = input;
  const files = Array.from({ length: count }, (_, i) => makeMedia((["mp3", "mp4", "mov"] as const)[i % 3], `${tag}-burst-${i}`));
  const created: { c: Created; user: MatrixUser; bytes: Buffer; behaviour: "normal" | "vanish" }[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < count) {
        const i = next++;
        const user = users[i % users.length]!;
        const f = files[i]!;
        const c = await input.create(user.id, { name: f.name, type: f.type, size: f.bytes.length, projectId: user.projectId, options: ANALYSIS });
        created.push({ c, user, bytes: f.bytes, behaviour: i % 5 === 0 ? "vanish" : "normal" });
      }
    }),
  );
  input.onPutsStart();
  const start = now();
  const records = await Promise.all(
    created.map(async ({ c, user, bytes, behaviour }) => {
      const rec: BurstRecord = { id: c.upload.id, key: c.upload.storageKey ?? "", behaviour, putAt: now(), lastByteAt: null, error: null };
      try {
        const res = await fetch(c.put!.url, { method: "PUT", body: new Uint8Array(bytes), headers: c.put!.headers ?? {}, signal: AbortSignal.timeout(60_000) });
        await res.arrayBuffer();
        if (res.status >= 300) throw new Error(`PUT ${res.status}`);
        rec.lastByteAt = now();
        if (behaviour === "normal") await completeWithRetry(api, user.cookie, rec.id);
      } catch (error) {
        rec.error = (error as Error).message;
      }
      return rec;
    }),
  );
  const landed = records.flatMap((r) => (r.lastByteAt ? [r.lastByteAt] : []));
  return { records, landingMs: landed.length ? Math.max(...landed) - start : 0 };
}

async function completeWithRetry(api: Api, cookie: string, id: string): Promise<void> {
  let wait = 250;
  for (let attempt = 0; ; attempt++) {
    try {
      await api.json(`/api/uploads/${id}/complete`, { method: "POST", cookie, body: {} });
      return;
    } catch (error) {
      const status = Number(/HTTP (\d+)/.exec((error as Error).message)?.[1] ?? 0);
      if (attempt >= 6 || (status > 0 && status < 500 && status !== 429)) throw error;
      await new Promise((r) => setTimeout(r, wait));
      wait *= 2;
    }
  }
}
