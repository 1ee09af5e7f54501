import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { ROOT_DIR } from "./local-defaults";
import { waitForExit } from "./process-util";

const NEXT_BIN = join(ROOT_DIR, "node_modules", ".bin", "next");

/** Runs a Next command in its own process group, so one signal stops it and its workers. */
export function spawnNext(args: string[], env: Record<string, string>, stdio: "inherit" | "ignore" = "inherit"): ChildProcess {
  return spawn(NEXT_BIN, args, {
    cwd: ROOT_DIR,
    env: { ...process.env, ...env, NEXT_TELEMETRY_DISABLED: "1" },
    stdio,
    detached: true,
  });
}

export async function buildApp(env: Record<string, string>): Promise<void> {
  const child = spawnNext(["build"], env);
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  if (code !== 0) throw new Error(`next build failed with exit code ${code}`);
}

export async function stopProcessGroup(child: ChildProcess, timeoutMs = 10_000): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null) return;
  try {
    process.kill(-child.pid, "SIGTERM");
  } catch {
    return;
  }
  if (!(await waitForExit(child.pid, timeoutMs))) {
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {}
  }
}
