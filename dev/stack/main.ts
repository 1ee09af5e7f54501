import { runMigrations } from "@/lib/db/migrate";
import { buildApp, spawnNext, stopProcessGroup } from "./app-process";
import { PORTS } from "./local-defaults";
import { DEV_USERS, seedDevUsers } from "./seed";
import { startStack } from "./stack";

const args = new Set(process.argv.slice(2));
const prod = args.has("--prod");
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
    if (app) await stopProcessGroup(app);
    await stack.stop();
    log("all stopped");
    process.exit(code);
  };
  process.on("SIGINT", () => void shutdown(0));
  process.on("SIGTERM", () => void shutdown(0));

  let app: ReturnType<typeof spawnNext> | undefined;
  try {
    Object.assign(process.env, stack.env);
    await runMigrations(stack.env.POSTGRES_URL);
    log("migrations applied");
    await seedDevUsers();
    if (withApp) {
      if (prod) await buildApp(stack.env);
      app = spawnNext([prod ? "start" : "dev", "--port", String(PORTS.app)], stack.env);
      app.on("exit", (code) => {
        if (!stopping) {
          log(`the app exited (code ${code}); stopping the stack`);
          void shutdown(code ?? 1);
        }
      });
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
      withApp ? `  app        ${stack.env.APP_URL} (${prod ? "next start" : "next dev"})` : "  app        not started (--no-app)",
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
