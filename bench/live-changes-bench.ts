/**
 * What one open Files table or upload page costs: the live-status poll
 * (GET /api/projects/[id]/uploads/changes) against a project of N uploads (default
 * 1,000,000). Calls the route handler with a real session cookie, counts the statements
 * each poll sends to Postgres, the bytes of its answer, and prints the EXPLAIN (ANALYZE,
 * BUFFERS) of the changes query for a quiet poll (204) and for one with a change (200).
 *
 *   npx tsx bench/live-changes-bench.ts                 # 1M uploads (seeding takes a few minutes)
 *   npx tsx bench/live-changes-bench.ts --rows 100000
 *
 * Runs in the test world (bench/world.ts); deletes what it seeded.
 */

import { performance } from "node:perf_hooks";
import { captureQueries } from "./capture-queries";
import { benchStack } from "./world";

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const ROWS = Number(arg("rows") ?? 1_000_000);
const POLLS = 30;
/** tests/helpers/auth.ts signs its users up with this password. */
const TEST_PASSWORD = "correct-horse-battery";

async function main() {
  const stack = await benchStack();
  Object.assign(process.env, stack.env);
  process.env.DB_QUERY_TIMEOUT_MS = String(30 * 60_000);
  const { getDb, closeDb } = await import("@/lib/db/node");
  const { createTestUser } = await import("../tests/helpers/auth");
  const { callRoute } = await import("../tests/helpers/requests");
  const route = await import("@/app/api/projects/[projectId]/uploads/changes/route");

  const pool = getDb().$client;
  const run = (q: string, values?: unknown[]) => pool.query(q, values) as unknown as Promise<{ rows: Record<string, unknown>[] }>;
  const capture = captureQueries(pool);

  const user = await createTestUser();
  const poll = (since: string) =>
    callRoute(route.GET, {
      path: `/api/projects/${user.projectId}/uploads/changes?since=${encodeURIComponent(since)}`,
      params: { projectId: user.projectId },
      cookie: user.cookie,
    });
  console.log(`seeding ${ROWS.toLocaleString("en-US")} uploads into one project …`);
  const t0 = performance.now();
  try {
    await run(
      `
      insert into uploads (id, owner_id, project_id, plan, bucket, storage_key, name, safe_name, declared_type, declared_size, status, deadline_at, created_at, updated_at)
      select 'upl_bench-' || n, $1, $2, 'free', 'bench', 'bench/' || $2 || '/' || n, 'file-' || n || '.mp4', 'file-' || n || '.mp4', 'video/mp4', 1024,
        'processed', now() + interval '1 day', ts, ts
      from (select n, now() - interval '1 hour' - (n || ' seconds')::interval as ts from generate_series(1, ${ROWS}) n) g`,
      [user.id, user.projectId],
    );
    await run(`vacuum (analyze) uploads`);
    console.log(`seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);

    // A fresh sign-in, as a browser holds one: better-auth's signed session cookie (60 s)
    // then spares the session lookup, and the statements counted are the poll's own.
    const { getAuth } = await import("@/lib/auth/auth");
    const signIn = await getAuth().api.signInEmail({ body: { email: user.email, password: TEST_PASSWORD }, asResponse: true });
    user.cookie = signIn.headers
      .getSetCookie()
      .map((c) => c.split(";")[0])
      .join("; ");
    const since = new Date(Date.now() - 60_000).toISOString();
    capture.take();
    const t1 = performance.now();
    let quiet = 0;
    for (let i = 0; i < POLLS; i++) if ((await poll(since)).status === 204) quiet++;
    const quietMs = (performance.now() - t1) / POLLS;
    const captured = capture.take();
    const quietStatements = captured.length / POLLS;
    const changesQuery = captured.find((c) => c.text.includes("change_allowed"))!;

    const explain = async (label: string) => {
      const plan = await run(`explain (analyze, buffers) ${changesQuery.text}`, changesQuery.values);
      console.log(`EXPLAIN ${label}:`);
      for (const row of plan.rows) console.log(`  ${String(row["QUERY PLAN"])}`);
      console.log();
    };
    const headerBytes = (res: { headers: Headers }) => [...res.headers].reduce((n, [k, v]) => n + k.length + v.length + 4, 0);
    const bodyBytes = (res: { body: unknown }) => (res.body === "" ? 0 : Buffer.byteLength(JSON.stringify(res.body)));
    const kinds = [...new Set(captured.map((c) => c.text.trim().split(/\s+/).slice(0, 3).join(" ")))].join(" | ");

    const quietRes = await poll(since);
    await explain("quiet poll (204)");
    await run(`update uploads set status = 'failed', updated_at = now() where id = 'upl_bench-1'`);
    const changed = await poll(since);
    await explain("poll with one change (200)");

    console.log(`${POLLS} quiet polls: ${quiet} answered 204; ${quietStatements} statement(s) per poll (${kinds}); ${quietMs.toFixed(1)} ms per poll`);
    console.log(
      `answer bytes: 204 = ${bodyBytes(quietRes)} body + ${headerBytes(quietRes)} header; 200 with one change = ${bodyBytes(changed)} body + ${headerBytes(changed)} header`,
    );
    console.log(`per open tab (one poll every 2 s): ${30 * quietStatements} statements a minute while nothing changes`);
  } finally {
    await run(`delete from uploads where project_id = $1`, [user.projectId]);
    await run(`delete from "user" where id = $1`, [user.id]);
    await closeDb();
    await stack.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
