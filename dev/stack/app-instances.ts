import { spawnNext } from "./app-process";
import { type Balancer, startBalancer } from "./load-balancer";
import { type Backoff, type Supervised, supervise } from "./supervisor";

export interface AppInstancesOptions {
  /** How many app processes; above 1 they sit behind a local round-robin load balancer. */
  count: number;
  /** Where the app (or its load balancer) listens; instance i listens on port + i. */
  port: number;
  /** `next dev` or `next start`; several instances need `start` (one shared build, no dev compiler per process). */
  mode: "dev" | "start";
  env: Record<string, string>;
  log: (line: string) => void;
  backoff?: Partial<Backoff>;
  /** Forwarded to next; "inherit" shows the app's output in this terminal. */
  stdio?: "inherit" | "ignore";
  /** Put the balancer in front of a single instance too (benchmarks comparing 1 and N instances). */
  alwaysBalance?: boolean;
}

export interface AppInstances {
  /** What clients call: the load balancer, or the single instance. */
  url: string;
  instances: Supervised[];
  balancer?: Balancer;
  /** Resolves once every instance answers its liveness route. */
  ready(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export const MAX_INSTANCES = 8;

/**
 * Runs the app like a supervised deployment: each process restarts after a crash (with a
 * backoff), and N > 1 processes share one port through a load balancer. Every piece of shared
 * state (sessions, leases, rate limits, the outbox) lives in Postgres, so any instance can
 * answer any request. Benchmarks and the chaos harness call this directly.
 */
export async function startAppInstances(o: AppInstancesOptions): Promise<AppInstances> {
  if (!Number.isInteger(o.count) || o.count < 1 || o.count > MAX_INSTANCES) throw new Error(`--instances must be 1…${MAX_INSTANCES}, got ${o.count}`);
  if (o.count > 1 && o.mode === "dev") throw new Error("several instances need a production build: use --prod with --instances");
  const balanced = o.count > 1 || o.alwaysBalance === true;
  const ports = !balanced ? [o.port] : Array.from({ length: o.count }, (_, i) => o.port + 1 + i);
  // Behind the balancer the client IP comes from the header it sets (and overwrites); a lone
  // instance is reached directly, where any such header is client-set and must not be trusted.
  const env = balanced && !o.env.TRUSTED_IP_HEADER ? { ...o.env, TRUSTED_IP_HEADER: "x-real-ip" } : o.env;
  const instances = ports.map((port, i) =>
    supervise({
      name: o.count === 1 ? "app" : `app#${i + 1}`,
      start: () => spawnNext([o.mode, "--port", String(port), "--hostname", "127.0.0.1"], { ...env, BIBLIO_INSTANCE: String(i + 1) }, o.stdio),
      readyUrl: `http://127.0.0.1:${port}/api/health`,
      log: o.log,
      backoff: o.backoff,
    }),
  );
  let balancer: Balancer | undefined;
  try {
    if (balanced) balancer = await startBalancer({ port: o.port, upstreams: ports, log: o.log });
  } catch (e) {
    await Promise.all(instances.map((s) => s.stop()));
    throw e;
  }
  return {
    url: balancer?.url ?? `http://127.0.0.1:${o.port}`,
    instances,
    balancer,
    async ready(timeoutMs) {
      await Promise.all(instances.map((s) => s.ready(timeoutMs)));
    },
    async stop() {
      await balancer?.stop();
      await Promise.all(instances.map((s) => s.stop()));
    },
  };
}
