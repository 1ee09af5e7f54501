// Local S3 for the dev stack: a single-node Ceph (mon + BlueStore OSD + radosgw) from
// Debian's packages, with all state under dataDir. See DESIGN.md §4.
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { type CephPaths, cephPaths, MON_ID, OSD_ID, RGW_NAME, renderCephConf } from "./ceph-config";
import { describePortOwner, isPidAlive, isPortFree, killByPidFile, readPidFile, run, sleep, spawnDetached, tailFile, waitForPort } from "./process-util";

export type { BucketConfig, NotificationConfig } from "./ceph-bucket";
export { configureBucket, configureNotifications, removeNotifications, s3ClientConfig } from "./ceph-bucket";

export interface CephOptions {
  dataDir: string;
  rgwPort?: number;
  monPort?: number;
  accessKey: string;
  secretKey: string;
  bucket: string;
  corsOrigins: string[];
  log?: (line: string) => void;
}

export interface CephHandle {
  endpoint: string;
  stop(): Promise<void>;
  coldInit: boolean;
}

export const DEFAULT_RGW_PORT = 7480;
// Not the msgr2 default 3300 (nor 6789), so a system Ceph or another dev cluster can coexist.
export const DEFAULT_MON_PORT = 6790;
const RGW_UID = "biblio";

const PACKAGES = ["radosgw", "ceph-mon", "ceph-osd", "ceph-common"];
const BINARIES: Record<string, string> = {
  radosgw: "radosgw",
  "radosgw-admin": "radosgw",
  "ceph-mon": "ceph-mon",
  monmaptool: "ceph-base",
  "ceph-osd": "ceph-osd",
  ceph: "ceph-common",
};

interface ClusterState {
  fsid: string;
  osdUuid: string;
  monPort: number;
  /** Written last in cold init; without it a previous init was interrupted. */
  initialized: boolean;
}

const noop = () => {};

async function which(bin: string): Promise<boolean> {
  const r = await run("sh", ["-c", `command -v ${bin}`], { allowFail: true });
  return r.code === 0;
}

export async function ensureCephPackages(log: (line: string) => void = noop): Promise<void> {
  const missing: string[] = [];
  for (const bin of Object.keys(BINARIES)) if (!(await which(bin))) missing.push(bin);
  if (missing.length === 0) return;
  const cmd = `apt-get update && apt-get install -y ${PACKAGES.join(" ")}`;
  const isDebian = existsSync("/etc/debian_version");
  const isRoot = process.getuid?.() === 0;
  if (!isDebian || !isRoot) {
    throw new Error(
      `Ceph is not installed (missing: ${missing.join(", ")}). The local S3 needs Ceph 16+ radosgw. ` +
        (isDebian ? `Run: sudo sh -c '${cmd}'` : `On Debian/Ubuntu run: sudo sh -c '${cmd}'`) +
        ` — or set S3_ENDPOINT (with S3_ACCESS_KEY_ID/S3_SECRET_ACCESS_KEY) to use an existing S3.`,
    );
  }
  log(`ceph: missing ${missing.join(", ")}; installing with: ${cmd}`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  await run("apt-get", ["update"], { env, timeoutMs: 10 * 60_000 });
  await run("apt-get", ["install", "-y", ...PACKAGES], { env, timeoutMs: 30 * 60_000 });
  for (const bin of Object.keys(BINARIES)) if (!(await which(bin))) throw new Error(`ceph: ${bin} still missing after installing ${PACKAGES.join(" ")}`);
}

/** Expected substrings of each daemon's command line, so a reused pid is never signalled. */
function expectFor(p: CephPaths, daemon: "mon" | "osd" | "rgw"): string[] {
  const bin = { mon: "ceph-mon", osd: "ceph-osd", rgw: "radosgw" }[daemon];
  return [bin, p.conf];
}

/**
 * Stops daemons a previous run left behind (parent killed with -9, crash) using the pid
 * files under dataDir, and removes stale pid files. RocksDB/BlueStore locks are flock/fcntl
 * based, so they vanish with their process; nothing else needs cleaning.
 */
export async function stopStaleCeph(dataDir: string, log: (line: string) => void = noop): Promise<void> {
  const p = cephPaths(dataDir);
  for (const d of ["rgw", "osd", "mon"] as const) {
    const pid = readPidFile(p.pid[d]);
    if (await killByPidFile(p.pid[d], { expect: expectFor(p, d), timeoutMs: 20_000, log })) log(`ceph: stopped leftover ${d} (pid ${pid})`);
  }
  // Daemons whose pid file was lost (e.g. dataDir pid files deleted by hand) are still
  // recognisable by the conf path on their command line.
  const r = await run("pgrep", ["-f", "--", `-c ${p.conf}`], { allowFail: true });
  for (const pid of r.stdout.split(/\s+/).filter(Boolean).map(Number)) {
    if (pid === process.pid) continue;
    log(`ceph: stopping unrecorded leftover daemon pid ${pid}`);
    try {
      process.kill(pid, "SIGTERM");
    } catch {}
    const deadline = Date.now() + 20_000;
    while (isPidAlive(pid) && Date.now() < deadline) await sleep(100);
    if (isPidAlive(pid)) process.kill(pid, "SIGKILL");
  }
  // OSDs exit via fast shutdown without unlinking their admin socket.
  try {
    for (const f of readdirSync(p.runDir)) if (f.endsWith(".asok")) rmSync(join(p.runDir, f), { force: true });
  } catch {}
}

function cephEnv(p: CephPaths): NodeJS.ProcessEnv {
  // CEPH_CONF keeps every CLI on our conf, never /etc/ceph/ceph.conf.
  return { ...process.env, CEPH_CONF: p.conf };
}

async function ceph(p: CephPaths, args: string[], timeoutMs = 20_000) {
  return run("ceph", ["-c", p.conf, "--connect-timeout", String(Math.ceil(timeoutMs / 1000)), ...args], {
    env: cephEnv(p),
    timeoutMs: timeoutMs + 5_000,
  });
}

function startDaemon(p: CephPaths, d: "mon" | "osd" | "rgw"): number {
  const [cmd, args] =
    d === "mon"
      ? ["ceph-mon", ["-f", "-c", p.conf, "-i", MON_ID]]
      : d === "osd"
        ? ["ceph-osd", ["-f", "-c", p.conf, "-i", String(OSD_ID)]]
        : ["radosgw", ["-f", "-c", p.conf, "-n", RGW_NAME]];
  // `-c <conf>` must stay on the command line: stopStaleCeph identifies our daemons by it.
  return spawnDetached({ cmd: cmd as string, args: args as string[], pidFile: p.pid[d], logFile: p.stderr[d], env: cephEnv(p) });
}

function failure(what: string, p: CephPaths, d: "mon" | "osd" | "rgw", extra = ""): Error {
  return new Error(
    `ceph: ${what}${extra ? `\n${extra}` : ""}` +
      `\n--- tail of ${p.log[d]} ---\n${tailFile(p.log[d], 25)}` +
      `\n--- tail of ${p.stderr[d]} ---\n${tailFile(p.stderr[d], 10)}`,
  );
}

async function waitUntil<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined>,
  pid: number | undefined,
  p: CephPaths,
  d: "mon" | "osd" | "rgw",
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastErr = "";
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      lastErr = (e as Error).message.split("\n").slice(0, 3).join(" ");
    }
    if (pid !== undefined && !isPidAlive(pid)) throw failure(`${what}: the daemon exited`, p, d, lastErr);
    if (Date.now() > deadline) throw failure(`timed out after ${timeoutMs} ms waiting for ${what}`, p, d, lastErr);
    await sleep(250);
  }
}

async function assertPortsFree(ports: { port: number; what: string }[]): Promise<void> {
  for (const { port, what } of ports) {
    if (!(await isPortFree(port))) {
      const owner = await describePortOwner(port);
      throw new Error(
        `ceph: port ${port} (${what}) on 127.0.0.1 is already in use by ${owner}. ` +
          `Stop it or choose another port (${what === "radosgw" ? "rgwPort" : "monPort"}).`,
      );
    }
  }
}

function readState(p: CephPaths): ClusterState | null {
  try {
    return JSON.parse(readFileSync(p.state, "utf8")) as ClusterState;
  } catch {
    return null;
  }
}

function writeState(p: CephPaths, s: ClusterState) {
  writeFileSync(p.state, `${JSON.stringify(s, null, 2)}\n`);
}

async function rgwHttpUp(endpoint: string): Promise<true | undefined> {
  const res = await fetch(`${endpoint}/`, { signal: AbortSignal.timeout(2_000) });
  await res.arrayBuffer();
  return res.status > 0 ? true : undefined;
}

/** Rewrites the stored monmap when monPort changed since the cluster was created. */
async function retargetMon(p: CephPaths, monPort: number, log: (l: string) => void) {
  log(`ceph: moving mon to port ${monPort}`);
  await run("ceph-mon", ["-c", p.conf, "-i", MON_ID, "--extract-monmap", p.monmap]);
  await run("monmaptool", [p.monmap, "--rm", MON_ID]);
  await run("monmaptool", [p.monmap, "--addv", MON_ID, `[v2:127.0.0.1:${monPort}]`]);
  await run("ceph-mon", ["-c", p.conf, "-i", MON_ID, "--inject-monmap", p.monmap]);
}

async function ensureUser(p: CephPaths, accessKey: string, secretKey: string, log: (l: string) => void) {
  const admin = (args: string[]) => run("radosgw-admin", ["-c", p.conf, ...args], { env: cephEnv(p), timeoutMs: 60_000 });
  const info = await run("radosgw-admin", ["-c", p.conf, "user", "info", "--uid", RGW_UID], {
    env: cephEnv(p),
    allowFail: true,
    timeoutMs: 60_000,
  });
  if (info.code !== 0) {
    await admin(["user", "create", "--uid", RGW_UID, "--display-name", "Biblio dev", "--access-key", accessKey, "--secret-key", secretKey]);
    log(`ceph: created S3 user ${RGW_UID}`);
    return;
  }
  const keys: { access_key: string; secret_key: string }[] = JSON.parse(info.stdout).keys ?? [];
  if (keys.some((k) => k.access_key === accessKey && k.secret_key === secretKey)) return;
  // Credentials changed between runs: replace them rather than accumulate old ones.
  for (const k of keys) if (k.access_key !== accessKey) await admin(["key", "rm", "--uid", RGW_UID, "--key-type", "s3", "--access-key", k.access_key]);
  await admin(["key", "create", "--uid", RGW_UID, "--key-type", "s3", "--access-key", accessKey, "--secret-key", secretKey]);
  log(`ceph: updated S3 keys of user ${RGW_UID}`);
}

async function coldInit(p: CephPaths, monPort: number): Promise<ClusterState> {
  for (const dir of ["mon", "osd", "block", "rgw", "run", "log"]) rmSync(`${p.dataDir}/${dir}`, { recursive: true, force: true });
  rmSync(p.monmap, { force: true });
  for (const dir of [dirname(p.monData), p.osdData, dirname(p.osdBlock), p.rgwData, p.runDir, p.logDir]) mkdirSync(dir, { recursive: true });
  const state: ClusterState = { fsid: randomUUID(), osdUuid: randomUUID(), monPort, initialized: false };
  writeState(p, state);
  return state;
}

/**
 * RGW creates the data and multipart-meta pools lazily, on the first write. On a fresh
 * cluster that makes the first PUT take ~1.7 s and — measured on 16.2.15 — the first
 * CompleteMultipartUpload answer carry an empty <ETag> (the object itself is fine).
 * One throwaway multipart round trip during cold init moves both out of the app's way.
 */
async function warmUpRgw(endpoint: string, o: CephOptions) {
  const { S3Client, CreateMultipartUploadCommand, UploadPartCommand, CompleteMultipartUploadCommand, DeleteObjectCommand } = await import("@aws-sdk/client-s3");
  const { s3ClientConfig } = await import("./ceph-bucket");
  const s3 = new S3Client(s3ClientConfig({ endpoint, accessKey: o.accessKey, secretKey: o.secretKey }));
  const Key = ".biblio-warmup";
  try {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: o.bucket, Key }));
    const { ETag } = await s3.send(new UploadPartCommand({ Bucket: o.bucket, Key, UploadId, PartNumber: 1, Body: "warm-up" }));
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: o.bucket, Key, UploadId, MultipartUpload: { Parts: [{ ETag, PartNumber: 1 }] } }));
    await s3.send(new DeleteObjectCommand({ Bucket: o.bucket, Key }));
  } finally {
    s3.destroy();
  }
}

/**
 * A full OSD blocks every write, and radosgw writes while it initialises, so it would
 * only time out. Say what happened and how to get out of it instead.
 */
async function assertStoreNotFull(p: CephPaths): Promise<void> {
  const health = JSON.parse((await ceph(p, ["health", "-f", "json"], 10_000)).stdout) as { checks?: Record<string, unknown> };
  if (!health.checks?.OSD_FULL) return;
  // `ceph df` needs a mgr, which the local stack does not run; the sparse block file's allocated size tells as much.
  const block = statSync(p.osdBlock);
  const gib = (n: number) => (n / 1024 ** 3).toFixed(1);
  throw new Error(
    `ceph: the local object store is full (${gib(block.blocks * 512)} of ${gib(block.size)} GiB of ${p.osdBlock} in use), so radosgw cannot start.\n` +
      `Large benchmark uploads are the usual cause. Run ./dev/reset to wipe the local data (Postgres, Ceph, QStash) and start afresh.`,
  );
}

export async function startCeph(opts: CephOptions): Promise<CephHandle> {
  const log = opts.log ?? noop;
  const rgwPort = opts.rgwPort ?? DEFAULT_RGW_PORT;
  const monPort = opts.monPort ?? DEFAULT_MON_PORT;
  const endpoint = `http://127.0.0.1:${rgwPort}`;
  const p = cephPaths(opts.dataDir);
  const t0 = Date.now();

  await ensureCephPackages(log);
  mkdirSync(p.dataDir, { recursive: true });
  await stopStaleCeph(p.dataDir, log);
  await assertPortsFree([
    { port: monPort, what: "ceph-mon" },
    { port: rgwPort, what: "radosgw" },
  ]);

  let state = readState(p);
  const cold = !state?.initialized;
  if (cold) {
    log(`ceph: cold init in ${p.dataDir}`);
    state = await coldInit(p, monPort);
  }
  const st = state!;
  writeFileSync(p.conf, renderCephConf({ fsid: st.fsid, monPort, rgwPort, paths: p }));
  mkdirSync(p.runDir, { recursive: true });
  mkdirSync(p.logDir, { recursive: true });

  const stop = async () => {
    for (const d of ["rgw", "osd", "mon"] as const) {
      await killByPidFile(p.pid[d], { expect: expectFor(p, d), timeoutMs: 30_000, log });
    }
  };

  try {
    // --- mon ---
    if (cold) {
      await run("monmaptool", ["--create", "--clobber", "--fsid", st.fsid, "--addv", MON_ID, `[v2:127.0.0.1:${monPort}]`, p.monmap]);
      await run("ceph-mon", ["-c", p.conf, "--mkfs", "-i", MON_ID, "--monmap", p.monmap], { env: cephEnv(p) });
    } else if (st.monPort !== monPort) {
      await retargetMon(p, monPort, log);
      st.monPort = monPort;
      writeState(p, st);
    }
    const monPid = startDaemon(p, "mon");
    await waitForPort(monPort, { pid: monPid, timeoutMs: 20_000, what: "ceph-mon" }).catch((e) => {
      throw failure(e.message, p, "mon");
    });

    // --- osd ---
    if (cold) {
      const r = await ceph(p, ["osd", "new", st.osdUuid, String(OSD_ID)], 30_000);
      if (r.stdout.trim() !== String(OSD_ID)) throw new Error(`ceph: 'osd new' returned id ${r.stdout.trim()}, expected ${OSD_ID}`);
      await run("ceph-osd", ["-c", p.conf, "-i", String(OSD_ID), "--mkfs", "--osd-uuid", st.osdUuid], { env: cephEnv(p), timeoutMs: 120_000 }).catch((e) => {
        throw failure(`ceph-osd --mkfs failed: ${e.message}`, p, "osd");
      });
    }
    const osdPid = startDaemon(p, "osd");

    // radosgw retries until PGs are active, so it can start while the OSD boots.
    const rgwPid = startDaemon(p, "rgw");

    await waitUntil(
      "osd.0 to be up",
      60_000,
      async () => {
        const r = await ceph(p, ["osd", "stat", "-f", "json"], 10_000);
        return JSON.parse(r.stdout).num_up_osds >= 1 ? true : undefined;
      },
      osdPid,
      p,
      "osd",
    );
    log(`ceph: osd up after ${Date.now() - t0} ms`);
    await assertStoreNotFull(p);

    // First start creates the rgw pools (~9 s); later starts just load the zone.
    await waitUntil("radosgw HTTP", cold ? 120_000 : 60_000, () => rgwHttpUp(endpoint), rgwPid, p, "rgw");
    log(`ceph: radosgw answering at ${endpoint} after ${Date.now() - t0} ms`);

    await ensureUser(p, opts.accessKey, opts.secretKey, log);
    if (cold) {
      st.initialized = true;
      writeState(p, st);
    }
  } catch (e) {
    await stop().catch(() => {});
    throw e;
  }

  const { configureBucket } = await import("./ceph-bucket");
  try {
    await configureBucket({
      endpoint,
      accessKey: opts.accessKey,
      secretKey: opts.secretKey,
      bucket: opts.bucket,
      corsOrigins: opts.corsOrigins,
    });
  } catch (e) {
    await stop().catch(() => {});
    throw e;
  }
  if (cold) {
    try {
      await warmUpRgw(endpoint, opts);
    } catch (e) {
      await stop().catch(() => {});
      throw e;
    }
  }
  log(`ceph: ready (${cold ? "cold init" : "warm start"}) in ${Date.now() - t0} ms`);

  let stopping: Promise<void> | undefined;
  return { endpoint, coldInit: cold, stop: () => (stopping ??= stop()) };
}
