import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { runMigrations } from "@/lib/db/migrate";
import { buildApp } from "./app-process";
import { seedDevUsers } from "./seed";
import { configureBucket } from "./ceph";
import { DATA_DIR, LOCAL_S3, PORTS, ROOT_DIR } from "./local-defaults";
import { corsOrigins, readRunningStack, startStack, type Stack } from "./stack";

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

async function main() {
  const only = process.argv.slice(2);
  const t0 = performance.now();
  const running = readRunningStack();
  let stack: Stack | undefined;
  let env: Record<string, string>;
  if (running) {
    log(`reusing the running stack (pid ${running.pid})`);
    env = running.env;
    // A stack started for `./dev/up` may predate the e2e origin in its bucket CORS; re-applying is idempotent.
    if (env.S3_ACCESS_KEY_ID === LOCAL_S3.accessKey) {
      await configureBucket({
        endpoint: env.S3_ENDPOINT,
        accessKey: env.S3_ACCESS_KEY_ID,
        secretKey: env.S3_SECRET_ACCESS_KEY,
        bucket: env.S3_BUCKET,
        region: env.S3_REGION,
        corsOrigins: corsOrigins(`http://localhost:${E2E_PORT}`),
      });
    }
  } else {
    // The stack's APP_URL is the e2e app's, so storage events, the sweep schedule and jobs
    // published during the run are delivered to the app under test, not to a stray :3000.
    stack = await startStack({ log, appUrl: `http://localhost:${E2E_PORT}` });
    env = stack.env;
  }
  const stop = async () => stack?.stop();
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
      const e2eEnv = { ...env, APP_URL: `http://localhost:${E2E_PORT}`, E2E_PORT: String(E2E_PORT) };
      await buildApp(e2eEnv);
      const pwJson = join(REPORT_DIR, "playwright.json");
      await runTool("playwright", ["test"], { ...e2eEnv, PW_JSON_REPORT: pwJson });
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
