// The process faults the harness injects, in order, while clients upload. Each records
// its window, so the report can say what happened to the uploads that lived through it.
import type { ChaosStack, Log } from "./stack";
import { sleep } from "./stack";

export type FaultWindow = { kind: string; start: number; end: number; detail: string };

export type FaultPlan = { at: number; kind: string; run: () => Promise<string> }[];

/** QStash's retry budget for one job (publish-job.ts: 5 retries, min(60 s, 2^n s)), scaled. */
export function jobRetryBudgetMs(timeScale: number): number {
  let total = 0;
  for (let n = 0; n < 5; n++) total += Math.min(60_000, 1000 * 2 ** n);
  return total * timeScale;
}

export function faultPlan(input: {
  stack: ChaosStack;
  log: Log;
  timeScale: number;
  /** Resolves once a job is running (a `started` jobs row), so the kill lands mid-job. */
  jobInFlight: () => Promise<boolean>;
  restartDelayMs: number;
  pgPauseMs: number;
}): FaultPlan {
  const { stack, log } = input;
  return [
    {
      at: 15_000,
      kind: "app kill -9 mid-job",
      run: async () => {
        const midJob = await input.jobInFlight();
        await stack.killApp();
        log(`fault: app killed (kill -9 of its process group)${midJob ? " while a job was running" : " (no job was running at that moment)"}`);
        // A supervisor restarts it after a short backoff, as `./dev/up` and a deployment do.
        await sleep(input.restartDelayMs);
        const t = Date.now();
        await stack.startApp();
        return `${midJob ? "mid-job" : "no job in flight"}; restarted after ${input.restartDelayMs} ms backoff, ready in ${((Date.now() - t) / 1000).toFixed(1)} s`;
      },
    },
    {
      at: 40_000,
      kind: "QStash paused 20 s",
      run: async () => {
        await stack.pause("qstash", 20_000);
        return "SIGSTOP/SIGCONT of the local QStash server";
      },
    },
    {
      at: 70_000,
      kind: "QStash kill -9",
      run: async () => {
        await stack.killQstash();
        await sleep(3_000);
        await stack.startQstash();
        return "restarted on the same data dir after 3 s";
      },
    },
    {
      at: 85_000,
      kind: "Ceph RGW paused 30 s",
      run: async () => {
        await stack.pause("rgw", 30_000);
        return "SIGSTOP/SIGCONT of radosgw";
      },
    },
    {
      at: 125_000,
      kind: `Postgres paused ${Math.round(input.pgPauseMs / 1000)} s`,
      run: async () => {
        await stack.pause("postgres", input.pgPauseMs);
        return `postmaster and every backend SIGSTOPped; the job retry budget is ${(jobRetryBudgetMs(input.timeScale) / 1000).toFixed(1)} s`;
      },
    },
  ];
}

export async function runFaults(plan: FaultPlan, t0: number, log: Log): Promise<FaultWindow[]> {
  const windows: FaultWindow[] = [];
  for (const f of plan) {
    const wait = t0 + f.at - Date.now();
    if (wait > 0) await sleep(wait);
    const start = Date.now();
    log(`fault: ${f.kind} …`);
    let detail: string;
    try {
      detail = await f.run();
    } catch (error) {
      detail = `FAILED TO INJECT: ${(error as Error).message}`;
    }
    windows.push({ kind: f.kind, start, end: Date.now(), detail });
    log(`fault: ${f.kind} over after ${((Date.now() - start) / 1000).toFixed(1)} s (${detail})`);
  }
  return windows;
}
