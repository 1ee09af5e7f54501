// `npm run setup`: configures the bucket, QStash queues, bucket notifications and the
// sweep schedule for the environment in process.env (or .env.local). Idempotent.
//   npm run setup -- --only bucket,schedules   --cors https://app.example.com
import { existsSync } from "node:fs";
import { getEnv } from "@/lib/env";
import { runSetup, type SetupStep } from "@/lib/setup/run-setup";

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

async function main() {
  if (existsSync(".env.local")) process.loadEnvFile(".env.local");
  const env = getEnv();
  const origin = new URL(env.APP_URL).origin;
  const corsOrigins = [origin, ...(arg("cors")?.split(",") ?? [])];
  const steps = arg("only")?.split(",") as SetupStep[] | undefined;
  await runSetup({ env, corsOrigins, steps, log: (line) => console.log(`[setup] ${line}`) });
}

main().catch((error) => {
  console.error(`[setup] ${error instanceof Error ? error.message : error}`);
  process.exit(1);
});
