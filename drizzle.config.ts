import { defineConfig } from "drizzle-kit";

// `npm run db:generate` diffs lib/db/schema.ts against drizzle/meta and writes a new
// migration; it needs no database. Migrations are applied by `npm run db:migrate`
// (lib/db/migrate-cli.ts), which goes through the Neon driver like the app does.
export default defineConfig({
  dialect: "postgresql",
  schema: "./lib/db/schema.ts",
  out: "./drizzle",
  strict: true,
  verbose: true,
});
