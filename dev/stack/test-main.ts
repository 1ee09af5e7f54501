import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@upstash/qstash";
import { runMigrations } from "@/lib/db/migrate";
import { buildApp } from "./app-process";
import { DATA_DIR, PORTS, ROOT_DIR, WORLD } from "./local-defaults";
import { seedDevUsers } from "./seed";
import { type Stack, startStack } from "./stack";

/** The app under e2e test runs beside a possible `./dev/up` app on :3000. */
export const E2E_PORT = PORTS.e2eApp;
const log = (line: string) => console.log(`[test] ${line}`);
const REPORT_DIR = join(DATA_DIR, "reports");

function runTool(bin: string, args: string[], env: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(join(ROOT_DIR, "node_modules", ".bin", bin), args, {
      cwd: ROOT_DIR,
      stdio: "inherit",
      env: { ...process.env, ...env, NEXT_TELEMETRY_DISABLED: "1" },
    });
    child.on("exit", (code) => resolve(code ?? 1));
  });
}

type Counts = { passed: number; failed: number; skipped: number };

function vitestCounts(file: string): Counts {
  if (!existsSync(file)) return { passed: 0, failed: 1, skipped: 0 };
  const r = JSON.parse(readFileSync(file, "utf8"));
  return { passed: r.numPassedTests, failed: r.numFailedTests, skipped: r.numPendingTests + (r.numTodoTests ?? 0) };
}

function playwrightCounts(file: string): Counts {
  if (!existsSync(file)) return { passed: 0, failed: 1, skipped: 0 };
  const s = JSON.parse(readFileSync(file, "utf8")).stats;
  return { passed: s.expected + (s.flaky ?? 0), failed: s.unexpected, skipped: s.skipped };
}

/**
 * The Vitest half publishes jobs and storage events while no app listens on the e2e port.
 * Their tests are over, but their retries would hold the storage-events queue's slots well
 * into the e2e half (a retrying message keeps its place in the queue), so they are cancelled.
 */
async function cancelLeftoverMessages(env: Record<string, string>) {
  const qstash = new Client({ baseUrl: env.QSTASH_URL, token: env.QSTASH_TOKEN });
  // A bulk cancel ends at most a page of messages (100 by default): repeat until none is left.
  let total = 0;
  for (let page = 0; page < 1000; page++) {
    const { cancelled } = await qstash.messages.cancel({ all: true });
    if (cancelled === 0) break;
    total += cancelled;
  }
  log(`cancelled ${total} QStash messages left by the Vitest half`);
}

async function main() {
  if (WORLD !== "test") throw new Error("run the suite through ./dev/test (BIBLIO_WORLD=test)");
  const args = process.argv.slice(2);
  // `./dev/test e2e e2e/upload.spec.ts` runs just those spec files (`unit` or `e2e` selects a half).
  const specs = args.filter((a) => a.endsWith(".spec.ts"));
  const only = args.filter((a) => !a.endsWith(".spec.ts"));
  const t0 = performance.now();
  log(`node ${process.version}, test world in ${DATA_DIR}`);
  // Always a stack of its own (the `test` world: own data dir and ports), never the
  // developer's `./dev/up`. Its APP_URL is the e2e app's, so storage events, the sweep
  // schedule and jobs published during the run reach the app under test.
  const stack: Stack = await startStack({ log, appUrl: `http://localhost:${E2E_PORT}` });
  const env: Record<string, string> = stack.env;
  const stop = async () => stack.stop();
  process.on("SIGINT", () => void stop().then(() => process.exit(130)));
  process.on("SIGTERM", () => void stop().then(() => process.exit(143)));

  let unit: Counts = { passed: 0, failed: 0, skipped: 0 };
  let e2e: Counts = { passed: 0, failed: 0, skipped: 0 };
  try {
    Object.assign(process.env, env);
    await runMigrations(env.POSTGRES_URL);
    await seedDevUsers();
    rmSync(REPORT_DIR, { recursive: true, force: true });
    mkdirSync(REPORT_DIR, { recursive: true });

    if (!only.length || only.includes("unit")) {
      const vitestJson = join(REPORT_DIR, "vitest.json");
      await runTool("vitest", ["run", "--reporter=default", "--reporter=json", `--outputFile.json=${vitestJson}`], env);
      unit = vitestCounts(vitestJson);
    }
    if (!only.length || only.includes("e2e")) {
      await cancelLeftoverMessages(env);
      const e2eEnv = { ...env, APP_URL: `http://localhost:${E2E_PORT}`, E2E_PORT: String(E2E_PORT) };
      await buildApp(e2eEnv);
      const pwJson = join(REPORT_DIR, "playwright.json");
      await runTool("playwright", ["test", ...specs], { ...e2eEnv, PW_JSON_REPORT: pwJson });
      e2e = playwrightCounts(pwJson);
    }
  } finally {
    await stop();
  }

  const passed = unit.passed + e2e.passed;
  const failed = unit.failed + e2e.failed;
  const skipped = unit.skipped + e2e.skipped;
  log(`vitest ${unit.passed} passed, ${unit.failed} failed; playwright ${e2e.passed} passed, ${e2e.failed} failed`);
  log(`took ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
  process.exit(failed > 0 || passed === 0 ? 1 : 0);
}

main().catch((error) => {
  console.error(`[test] ${(error as Error).stack ?? error}`);
  process.exit(1);
});
