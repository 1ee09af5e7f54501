// Generic helpers for the local dev stack: detached daemons tracked by pid files,
// port probes, and shutdown by pid. Shared by the Ceph and Postgres parts.
import { execFile, spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from "node:fs";
import net from "node:net";
import { dirname } from "node:path";

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Stops started services newest first (reversing the list in place), logging each and going on past failures. */
export async function stopInReverse(services: { name: string; stop(): Promise<void> }[], log: (line: string) => void): Promise<void> {
  for (const s of services.reverse()) {
    try {
      await s.stop();
      log(`stopped ${s.name}`);
    } catch (error) {
      log(`failed to stop ${s.name}: ${(error as Error).message}`);
    }
  }
}

export interface SpawnDetachedOptions {
  cmd: string;
  args: string[];
  pidFile: string;
  /** stdout and stderr are appended here, so the daemon survives its parent's death. */
  logFile: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/**
 * Starts a process in its own session (detached, unref'd, output to a file) and records
 * its pid. The daemon outlives a kill -9 of the parent; `killByPidFile` finds it later.
 */
export function spawnDetached(o: SpawnDetachedOptions): number {
  mkdirSync(dirname(o.pidFile), { recursive: true });
  mkdirSync(dirname(o.logFile), { recursive: true });
  const fd = openSync(o.logFile, "a");
  try {
    const child = spawn(o.cmd, o.args, {
      detached: true,
      stdio: ["ignore", fd, fd],
      env: o.env ?? process.env,
      cwd: o.cwd,
    });
    if (child.pid === undefined) throw new Error(`failed to spawn ${o.cmd}`);
    child.on("error", () => {});
    child.unref();
    writeFileSync(o.pidFile, `${child.pid}\n`);
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

export function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
  // A zombie (exited, unreaped child of ours) still answers kill(0).
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

/** The process's argv, or null if it is gone. */
export function pidCmdline(pid: number): string[] | null {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
  } catch {
    return null;
  }
}

export function readPidFile(pidFile: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(pidFile, "utf8").trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/**
 * Sends SIGTERM to the pid recorded in `pidFile`, waits up to `timeoutMs`, then SIGKILL.
 * `expect` guards against pid reuse: the process is only signalled when its command line
 * contains every given substring. Removes the pid file. Returns whether a process was stopped.
 */
export async function killByPidFile(pidFile: string, opts: { timeoutMs?: number; expect?: string[]; log?: (l: string) => void } = {}): Promise<boolean> {
  const pid = readPidFile(pidFile);
  let stopped = false;
  if (pid !== null && isPidAlive(pid)) {
    const cmd = pidCmdline(pid)?.join(" ") ?? "";
    if ((opts.expect ?? []).every((s) => cmd.includes(s))) {
      stopped = await killPid(pid, opts.timeoutMs ?? 15_000, opts.log);
    } else {
      opts.log?.(`pid ${pid} from ${pidFile} is now another process (${cmd.slice(0, 80)}); not touching it`);
    }
  }
  rmSync(pidFile, { force: true });
  return stopped;
}

export async function killPid(pid: number, timeoutMs = 15_000, log?: (l: string) => void): Promise<boolean> {
  if (!isPidAlive(pid)) return false;
  try {
    process.kill(pid, "SIGTERM");
  } catch {
    return false;
  }
  if (await waitForExit(pid, timeoutMs)) return true;
  log?.(`pid ${pid} ignored SIGTERM for ${timeoutMs} ms; sending SIGKILL`);
  try {
    process.kill(pid, "SIGKILL");
  } catch {}
  await waitForExit(pid, 5_000);
  return true;
}

export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isPidAlive(pid)) return true;
    await sleep(50);
  }
  return !isPidAlive(pid);
}

export function isPortFree(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once("error", () => resolve(false));
    srv.listen({ port, host, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** Resolves once something accepts TCP connections on host:port. */
export async function waitForPort(port: number, opts: { host?: string; timeoutMs?: number; pid?: number; what?: string } = {}): Promise<void> {
  const host = opts.host ?? "127.0.0.1";
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ port, host });
      s.once("connect", () => {
        s.destroy();
        resolve(true);
      });
      s.once("error", () => {
        s.destroy();
        resolve(false);
      });
    });
    if (ok) return;
    if (opts.pid !== undefined && !isPidAlive(opts.pid)) throw new Error(`${opts.what ?? `pid ${opts.pid}`} exited before listening on ${host}:${port}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${opts.what ?? "a listener"} on ${host}:${port}`);
    await sleep(100);
  }
}

/** Best-effort description of who listens on a TCP port (for error messages). */
export async function describePortOwner(port: number): Promise<string> {
  const out = await run("ss", ["-Hltnp", `sport = :${port}`], { allowFail: true });
  const m = /users:\(\("([^"]+)",pid=(\d+)/.exec(out.stdout);
  return m ? `${m[1]} (pid ${m[2]})` : "another process";
}

export function tailFile(file: string, lines = 30): string {
  try {
    const size = statSync(file).size;
    const fd = openSync(file, "r");
    try {
      const len = Math.min(size, 64 * 1024);
      const buf = Buffer.alloc(len);
      readSync(fd, buf, 0, len, size - len);
      return buf
        .toString("utf8")
        .split("\n")
        .slice(-lines - 1)
        .join("\n");
    } finally {
      closeSync(fd);
    }
  } catch {
    return existsSync(file) ? "(unreadable)" : "(no log file)";
  }
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion. Throws with its output unless `allowFail`. */
export function run(
  cmd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number; allowFail?: boolean; cwd?: string } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(
      cmd,
      args,
      { env: opts.env ?? process.env, timeout: opts.timeoutMs ?? 60_000, maxBuffer: 32 * 1024 * 1024, cwd: opts.cwd },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
        const res = { code, stdout: String(stdout), stderr: String(stderr) };
        if (err && !opts.allowFail) {
          const why = err.killed ? `timed out after ${opts.timeoutMs ?? 60_000} ms` : `exit ${code}`;
          reject(new Error(`${cmd} ${args.join(" ")}: ${why}\n${res.stderr || res.stdout}`.trim()));
        } else resolve(res);
      },
    );
  });
}
