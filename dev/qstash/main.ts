import { DEV_USER_1 } from "./dev-users.js";
import { startQstashServer } from "./server.js";

function flag(name: string): string | undefined {
  const i = process.argv.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return undefined;
  const a = process.argv[i];
  return a.includes("=") ? a.slice(a.indexOf("=") + 1) : process.argv[i + 1];
}

function num(v: string | undefined, what: string): number | undefined {
  if (v === undefined || v === "") return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) {
    console.error(`invalid ${what}: ${v}`);
    process.exit(2);
  }
  return n;
}

const port = num(flag("port") ?? process.env.QSTASH_LOCAL_PORT, "port") ?? 8080;
const dataDir = flag("data-dir") ?? process.env.QSTASH_LOCAL_DATA_DIR ?? undefined;
const timeScale = num(flag("time-scale") ?? process.env.QSTASH_LOCAL_TIME_SCALE, "time scale") ?? 1;
const quiet = process.argv.includes("--quiet");
const duplicateRate = num(flag("duplicate-rate") ?? process.env.QSTASH_LOCAL_DUPLICATE_RATE, "duplicate rate") ?? 0;
const duplicateMode = (flag("duplicate-mode") ?? process.env.QSTASH_LOCAL_DUPLICATE_MODE ?? "after") as "after" | "concurrent";
if (duplicateRate > 1 || !["after", "concurrent"].includes(duplicateMode)) {
  console.error(`invalid duplicate fault: rate ${duplicateRate} (0…1), mode ${duplicateMode} (after|concurrent)`);
  process.exit(2);
}

async function main(): Promise<void> {
  const server = await startQstashServer({
    port,
    host: flag("host") ?? process.env.QSTASH_LOCAL_HOST ?? "127.0.0.1",
    dataDir: dataDir || undefined,
    timeScale,
    duplicateRate,
    duplicateMode,
    log: quiet ? undefined : (line) => console.log(`${new Date().toISOString()} ${line}`),
  });

  console.log(
    `QStash local server running at ${server.url}${dataDir ? ` (data: ${dataDir})` : " (in-memory)"}${timeScale !== 1 ? ` timeScale=${timeScale}` : ""}`,
  );
  console.log(`
Use it with either:
  QSTASH_DEV=true${server.port !== 8080 ? `\n  QSTASH_DEV_PORT=${server.port}` : ""}
or:
  QSTASH_URL=${server.url}
  QSTASH_TOKEN=${DEV_USER_1.token}
  QSTASH_CURRENT_SIGNING_KEY=${DEV_USER_1.current}
  QSTASH_NEXT_SIGNING_KEY=${DEV_USER_1.next}
Messages: ${server.url}/?qstash_token=${DEV_USER_1.token} (HTML) and /_local/messages (JSON)
Idle: GET ${server.url}/_local/idle?wait=<ms> (Authorization: Bearer <token>)
`);

  // If whoever started us went away, stdout is a broken pipe; that must not crash shutdown.
  process.stdout.on("error", () => {});
  let stopping = false;
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    process.on(sig, () => {
      if (stopping) process.exit(1);
      stopping = true;
      console.log(`\n${sig} received, stopping…`);
      server.stop().then(
        () => process.exit(0),
        (e) => {
          console.error(e);
          process.exit(1);
        },
      );
    });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
