import { fileURLToPath } from "node:url";
import { Client } from "@neondatabase/serverless";
import { drizzle } from "drizzle-orm/neon-serverless";
import { migrate } from "drizzle-orm/neon-serverless/migrator";
import { configureNeon } from "./node";

export const MIGRATIONS_DIR = fileURLToPath(new URL("../../drizzle", import.meta.url));

/** Any constant works; it only has to be the same for every process running migrations. */
const MIGRATION_LOCK_ID = 7_355_608;

/**
 * Applies the checked-in migrations in ./drizzle that the database has not seen yet
 * (drizzle records them in drizzle.__drizzle_migrations), through the same Neon driver
 * the app uses. One connection holds an advisory lock, so a stack and a test run
 * migrating at the same time apply each migration once.
 */
export async function runMigrations(url: string | undefined = process.env.POSTGRES_URL, opts: { wsProxy?: string } = {}): Promise<void> {
  if (!url) throw new Error("POSTGRES_URL is not set: nothing to migrate.");
  configureNeon(opts.wsProxy ?? process.env.DATABASE_WS_PROXY);
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_ID]);
    await migrate(drizzle({ client }), { migrationsFolder: MIGRATIONS_DIR });
  } finally {
    await client.end();
  }
}
