// `npm run db:migrate`: applies ./drizzle to POSTGRES_URL (through DATABASE_WS_PROXY if set).
import { runMigrations } from "./migrate";

const t0 = performance.now();
runMigrations().then(
  () => console.log(`migrations applied in ${Math.round(performance.now() - t0)} ms`),
  (error: Error) => {
    console.error(`migration failed: ${error.message}`);
    process.exitCode = 1;
  },
);
