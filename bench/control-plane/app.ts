/**
 * `next start` of this slot's build (`.next-<slot>`, NEXT_DIST_DIR) on the slot's app port,
 * with the stack's environment: the benchmark's own app, stopped when it ends, so no job
 * it caused is left addressed to a server that outlives the run.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "../..");

export type BenchApp = { url: string; stop(): Promise<void> };

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((ok, fail) => {
    const child = spawn(join(ROOT, "node_modules/.bin", cmd), args, { cwd: ROOT, stdio: "inherit", env });
    child.on("exit", (code) => (code === 0 ? ok() : fail(new Error(`${cmd} ${args.join(" ")} exited ${code}`))));
  });
}

/**
 * `instances` above 1: that many `next start` processes behind the stack's local load
 * balancer (dev/stack/app-instances.ts), as `./dev/up --prod --instances N` runs them.
 */
async function startInstances(opts: { env: Record<string, string>; distDir: string; count: number; alwaysBalance: boolean }): Promise<BenchApp> {
  const { startAppInstances } = await import("../../dev/stack/app-instances");
  const apps = await startAppInstances({
    count: opts.count,
    port: Number(new URL(opts.env.APP_URL!).port),
    mode: "start",
    env: { ...opts.env, NEXT_DIST_DIR: opts.distDir, NODE_ENV: "production" },
    log: () => {},
    stdio: "ignore",
    alwaysBalance: opts.alwaysBalance,
  });
  await apps.ready(120_000);
  return { url: opts.env.APP_URL!, stop: () => apps.stop() };
}

/** `profileDir`: the server writes V8 CPU profiles there (`--cpu-prof`) when it exits. */
export async function startBenchApp(opts: {
  env: Record<string, string>;
  slot: number;
  build: boolean;
  profileDir?: string;
  instances?: number;
  /** Behind the load balancer even with one instance, so 1 and N compare like with like. */
  balanced?: boolean;
}): Promise<BenchApp> {
  const url = opts.env.APP_URL!;
  const port = new URL(url).port;
  const distDir = `.next-${opts.slot}`;
  const env: NodeJS.ProcessEnv = { ...process.env, ...opts.env, NEXT_DIST_DIR: distDir, NEXT_TELEMETRY_DISABLED: "1", NODE_ENV: "production" };
  if (opts.build) await run("next", ["build"], env);
  if (!existsSync(join(ROOT, distDir, "BUILD_ID"))) throw new Error(`no production build in ${distDir}: pass --build, or --url for a running app`);
  if ((opts.instances ?? 1) > 1 || opts.balanced)
    return startInstances({ env: opts.env, distDir, count: opts.instances ?? 1, alwaysBalance: opts.balanced ?? false });
  if (opts.profileDir) {
    mkdirSync(opts.profileDir, { recursive: true });
    env.NODE_OPTIONS = `${env.NODE_OPTIONS ?? ""} --cpu-prof --cpu-prof-dir=${opts.profileDir}`.trim();
  }
  const child: ChildProcess = spawn(join(ROOT, "node_modules/.bin/next"), ["start", "--port", port], {
    cwd: ROOT,
    env,
    stdio: ["ignore", "ignore", "inherit"],
    detached: true,
  });
  const kill = (signal: NodeJS.Signals) => child.pid && child.exitCode === null && process.kill(-child.pid, signal);
  const killOnExit = () => kill("SIGKILL");
  process.once("exit", killOnExit);
  const stop = async () => {
    process.off("exit", killOnExit);
    if (child.exitCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    // SIGINT lets Node write the CPU profile on the way out.
    kill(opts.profileDir ? "SIGINT" : "SIGTERM");
    await exited;
  };
  for (let i = 0; i < 240; i++) {
    if (child.exitCode !== null) throw new Error(`next start exited ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/api/health`)).ok) return { url, stop };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  await stop();
  throw new Error(`next start did not answer on ${url}`);
}
