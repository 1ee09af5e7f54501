import { HeadBucketCommand } from "@aws-sdk/client-s3";
import { sql } from "drizzle-orm";
import { getDb } from "@/lib/db/client";
import { getEnv } from "@/lib/env";
import { getQstash } from "@/lib/queue/qstash-client";
import { getBucket, getS3 } from "@/lib/storage/s3-client";
import { ROUTE_RUNTIMES } from "./route-runtimes";

export type DependencyStatus = {
  status: "up" | "down";
  latencyMs: number;
  version?: string;
  target?: string;
  error?: string;
};

const CHECK_TIMEOUT_MS = 3_000;

async function timed(check: () => Promise<Omit<DependencyStatus, "status" | "latencyMs">>): Promise<DependencyStatus> {
  const started = performance.now();
  try {
    const info = await Promise.race([
      check(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS)),
    ]);
    return { status: "up", latencyMs: Math.round(performance.now() - started), ...info };
  } catch (error) {
    return { status: "down", latencyMs: Math.round(performance.now() - started), error: describe(error) };
  }
}

// Error names and short messages only: driver errors can carry connection strings.
function describe(error: unknown): string {
  if (!(error instanceof Error)) return "unknown error";
  const name = error.name && error.name !== "Error" ? `${error.name}: ` : "";
  return (name + error.message).replace(/\/\/[^@\s]+@/g, "//***@").slice(0, 200);
}

async function checkDb() {
  const rows = await getDb().execute<{ version: string }>(sql`select current_setting('server_version') as version`);
  return { version: `PostgreSQL ${rows.rows[0]?.version ?? "?"}` };
}

async function checkS3() {
  const bucket = getBucket();
  const out = await getS3().send(new HeadBucketCommand({ Bucket: bucket }));
  const region = out.BucketRegion ? ` (${out.BucketRegion})` : "";
  return { target: `${getEnv().S3_ENDPOINT ?? "aws"}/${bucket}${region}` };
}

async function checkQstash() {
  const env = getEnv();
  const queues = await getQstash().queue().list();
  return { target: env.QSTASH_DEV ? "dev server" : env.QSTASH_URL, version: `${queues.length} queue(s)` };
}

export async function checkHealth() {
  const [db, s3, qstash] = await Promise.all([timed(checkDb), timed(checkS3), timed(checkQstash)]);
  const dependencies = { db, s3, qstash };
  const ok = Object.values(dependencies).every((d) => d.status === "up");
  return { status: ok ? ("ok" as const) : ("degraded" as const), dependencies, routes: ROUTE_RUNTIMES };
}
