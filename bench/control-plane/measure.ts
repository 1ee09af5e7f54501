import { loadavg } from "node:os";
import { performance } from "node:perf_hooks";

export type Stats = { n: number; p50: number; p99: number; mean: number; errors: number; rps: number; load: [number, number] };

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/**
 * Closed loop: `clients` loops, each sending its next call as soon as the last answered,
 * until `total` calls are made. Latency per call, throughput over the whole run, and the
 * 1-minute load average before and after (the machine is shared: a high load taints a figure).
 */
export async function measure(total: number, clients: number, once: (i: number) => Promise<boolean>): Promise<Stats> {
  const times: number[] = [];
  let errors = 0;
  let next = 0;
  const loadBefore = loadavg()[0]!;
  const loop = async () => {
    for (let i = next++; i < total; i = next++) {
      const t0 = performance.now();
      const ok = await once(i).catch(() => false);
      times.push(performance.now() - t0);
      if (!ok) errors++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: clients }, loop));
  const seconds = (performance.now() - started) / 1000;
  times.sort((a, b) => a - b);
  return {
    n: times.length,
    p50: percentile(times, 50),
    p99: percentile(times, 99),
    mean: times.reduce((a, b) => a + b, 0) / times.length,
    errors,
    rps: times.length / seconds,
    load: [loadBefore, loadavg()[0]!],
  };
}

export function formatRow(name: string, s: Stats, ratios: string[] = []): string {
  const errors = s.errors ? `  (${s.errors} errors)` : "";
  return (
    `${name.padEnd(34)} p50 ${s.p50.toFixed(1).padStart(7)} ms  p99 ${s.p99.toFixed(1).padStart(7)} ms  ${s.rps.toFixed(0).padStart(5)} req/s` +
    `  load ${s.load[0].toFixed(1)}→${s.load[1].toFixed(1)}${ratios.length ? `  ${ratios.join(", ")}` : ""}${errors}`
  );
}

/** A browser's cookie jar, reduced to what a session needs: later Set-Cookie values replace earlier ones. */
export class CookieJar {
  private readonly cookies = new Map<string, string>();

  constructor(initial = "") {
    for (const pair of initial.split(/;\s*/).filter(Boolean)) this.set(pair);
  }

  /** Takes the session cookie cache the server refreshes, as a browser would. */
  update(res: Response): void {
    for (const c of res.headers.getSetCookie()) this.set(c.split(";")[0]!);
  }

  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  private set(pair: string): void {
    const eq = pair.indexOf("=");
    if (eq > 0) this.cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
}
