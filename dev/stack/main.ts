import { runMigrations } from "@/lib/db/migrate";
import { type AppInstances, startAppInstances } from "./app-instances";
import { buildApp } from "./app-process";
import { PORTS } from "./local-defaults";
import { DEV_USERS, seedDevUsers } from "./seed";
import { startStack } from "./stack";

const argv = process.argv.slice(2);
const args = new Set(argv);
const instancesArg = argv.find((a) => a.startsWith("--instances"));
const instances = instancesArg ? Number(instancesArg.includes("=") ? instancesArg.split("=")[1] : argv[argv.indexOf(instancesArg) + 1]) : 1;
// Several instances share one production build (a dev compiler per process would not).
const prod = args.has("--prod") || instances > 1;
const withApp = !args.has("--no-app");
const log = (line: string) => console.log(`[stack] ${line}`);

async function main() {
  const t0 = performance.now();
  // Ctrl-C while services start: startStack stops what it started so far, then fails.
  const starting = new AbortController();
  const interrupt = () => starting.abort();
  process.on("SIGINT", interrupt);
  process.on("SIGTERM", interrupt);
  const stack = await startStack({ log, signal: starting.signal });
  process.off("SIGINT", interrupt);
  process.off("SIGTERM", interrupt);
  if (starting.signal.aborted) {
    await stack.stop();
    log("all stopped");
    process.exit(0);
  }
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    log("stopping…");
    if (app) await app.stop();
    await stack.stop();
    log("all stopped");
    process.exit(code);
  };
  process.on("SIGINT", () => void shutdown(0));
  process.on("SIGTERM", () => void shutdown(0));

  let app: AppInstances | undefined;
  try {
    Object.assign(process.env, stack.env);
    await runMigrations(stack.env.POSTGRES_URL);
    log("migrations applied");
    await seedDevUsers();
    if (withApp) {
      if (prod) await buildApp(stack.env);
      // Supervised like a deployment: a crashed app restarts after a backoff; the stack stays up.
      // Locally the app logs readable lines (LOG_FORMAT=pretty); set LOG_FORMAT=json to see what production ships.
      const appEnv = { LOG_FORMAT: process.env.LOG_FORMAT ?? "pretty", ...stack.env };
      app = await startAppInstances({ count: instances, port: PORTS.app, mode: prod ? "start" : "dev", env: appEnv, log });
    }
  } catch (error) {
    console.error(`[stack] ${(error as Error).message}`);
    await shutdown(1);
    return;
  }

  const seconds = ((performance.now() - t0) / 1000).toFixed(1);
  console.log(
    [
      "",
      `Biblio local stack is up in ${seconds} s (node ${process.version})`,
      ...stack.started.map((s) => `  ${s}`),
      withApp
        ? `  app        ${stack.env.APP_URL} (${prod ? "next start" : "next dev"}${instances > 1 ? `, ${instances} instances on ports ${PORTS.app + 1}…${PORTS.app + instances} behind a load balancer` : ""}, 127.0.0.1 only, restarted on crash)`
        : "  app        not started (--no-app)",
      `  health     ${stack.env.APP_URL}/api/health (liveness), ${stack.env.APP_URL}/admin/health (admin)`,
      "Dev accounts (local database only):",
      ...DEV_USERS.map((u) => `  ${u.role === "admin" ? "admin" : u.plan.padEnd(5)}      ${u.email} / ${u.password}`),
      "Press Ctrl-C to stop everything.",
      "",
    ].join("\n"),
  );
}

main().catch((error) => {
  console.error(`[stack] ${(error as Error).message}`);
  process.exit(1);
});
