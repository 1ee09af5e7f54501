import { readdirSync, readFileSync } from "node:fs";

/**
 * Finds the local stack's service processes by what they listen on, so a test can pause
 * one (SIGSTOP) the way a hung host or a long GC pause looks to the app. Only processes
 * of this test world match: the port numbers are the slot's own.
 */
function processes(): { pid: number; ppid: number; args: string[] }[] {
  const out: { pid: number; ppid: number; args: string[] }[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").filter(Boolean);
      const ppid = Number(/^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${entry}/status`, "utf8"))?.[1] ?? 0);
      out.push({ pid: Number(entry), ppid, args });
    } catch {}
  }
  return out;
}

/** The postmaster listening on the port of POSTGRES_URL, and every backend it forked. */
export function postgresPids(url = process.env.POSTGRES_URL!): number[] {
  const port = new URL(url).port;
  const all = processes();
  const master = all.find((p) => p.args[0]?.endsWith("/postgres") && p.args.includes("-p") && p.args[p.args.indexOf("-p") + 1] === port);
  if (!master) return [];
  return [master.pid, ...all.filter((p) => p.ppid === master.pid).map((p) => p.pid)];
}

/** The radosgw whose config serves the port of S3_ENDPOINT. */
export function radosgwPids(endpoint = process.env.S3_ENDPOINT!): number[] {
  const port = new URL(endpoint).port;
  return processes()
    .filter((p) => p.args[0]?.endsWith("radosgw"))
    .filter((p) => {
      const conf = p.args[p.args.indexOf("-c") + 1];
      try {
        return conf ? new RegExp(`(port=|endpoint=[^\\s]*:)${port}\\b`).test(readFileSync(conf, "utf8")) : false;
      } catch {
        return false;
      }
    })
    .map((p) => p.pid);
}

/**
 * Runs `fn` with the processes stopped, and always resumes them: when `fn` settles, or
 * after `maxMs` at the latest, so a hung `fn` (the bug a test looks for) cannot leave
 * the stack paused for the tests after it.
 */
export async function whilePaused<T>(pids: number[], fn: () => Promise<T>, maxMs = 20_000): Promise<T> {
  if (pids.length === 0) throw new Error("no process to pause: is the local test stack running?");
  let resumed = false;
  const resume = () => {
    if (resumed) return;
    resumed = true;
    for (const pid of pids) process.kill(pid, "SIGCONT");
  };
  const guard = setTimeout(resume, maxMs);
  for (const pid of pids) process.kill(pid, "SIGSTOP");
  try {
    return await fn();
  } finally {
    clearTimeout(guard);
    resume();
  }
}
