/**
 * Every benchmark runs in a world of its own, never in the developer's (`./dev/up`): the
 * test world (`BIBLIO_WORLD=test`) in slot `BIBLIO_TEST_SLOT`, 9 unless set. Its database,
 * bucket, QStash data and ports are the slot's alone, so a benchmark's jobs, rows and
 * objects never reach the developer's stack and it can run beside it.
 *
 * Import this module first in a benchmark: it fixes the world before `dev/stack` reads it.
 * `benchStack()` reuses the slot's running stack or starts one (`./dev/up --no-app`) and
 * stops it when the benchmark ends, so nothing the benchmark queued outlives it there.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { resolve } from "node:path";

if (process.env.BIBLIO_WORLD && process.env.BIBLIO_WORLD !== "test") {
  throw new Error(`benchmarks run in the test world, not BIBLIO_WORLD=${process.env.BIBLIO_WORLD}: unset it (the slot is BIBLIO_TEST_SLOT, 9 by default)`);
}
process.env.BIBLIO_WORLD = "test";
process.env.BIBLIO_TEST_SLOT ??= "9";

export const BENCH_SLOT = Number(process.env.BIBLIO_TEST_SLOT);
const ROOT = resolve(import.meta.dirname, "..");

export type BenchStack = { env: Record<string, string>; started: boolean; stop(): Promise<void> };

/** The slot's stack: the running one, or one started here (30–60 s cold) and stopped by `stop()` or at exit. */
export async function benchStack(): Promise<BenchStack> {
  const { readRunningStack } = await import("../dev/stack/stack");
  const running = readRunningStack();
  if (running) return { env: running.env, started: false, stop: async () => {} };
  console.log(`[bench] starting a test-world stack in slot ${BENCH_SLOT} (./dev/up --no-app) …`);
  const child = spawn(resolve(ROOT, "dev/up"), ["--no-app"], { cwd: ROOT, env: process.env, stdio: ["ignore", "pipe", "inherit"], detached: true });
  const killOnExit = () => child.pid && process.kill(-child.pid, "SIGTERM");
  process.once("exit", killOnExit);
  await new Promise<void>((ok, fail) => {
    let out = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes("stack is up")) ok();
    });
    child.once("exit", (code) => fail(new Error(`./dev/up exited ${code} before the stack was up:\n${out.slice(-2000)}`)));
  });
  const state = readRunningStack();
  if (!state) throw new Error("the stack reported up but wrote no state file");
  return { env: state.env, started: true, stop: () => stopChild(child, killOnExit) };
}

async function stopChild(child: ChildProcess, killOnExit: () => void): Promise<void> {
  process.off("exit", killOnExit);
  if (child.exitCode !== null || !child.pid) return;
  const exited = new Promise((r) => child.once("exit", r));
  process.kill(-child.pid, "SIGTERM");
  await exited;
}
