/**
 * What the storage quota costs a create for a user with many files: seeds one user with
 * N uploads (default 100,000; 90 % live, 10 % deleted), each live one with a thumbnail
 * row, then prints EXPLAIN (ANALYZE, BUFFERS) of
 *   - before: the recount the create used to run (sum of live uploads + their derived
 *     files), with the partial index it had (uploads_owner_stored_idx, re-created here);
 *   - after: the statements the create now sends for the quota, captured from a real call
 *     of POST /api/uploads: the usage-row read and the quota-gated insert (run inside a
 *     rolled-back transaction so the plan shows without keeping the row).
 * Also checks that the usage row equals the recount.
 *
 *   npx tsx bench/storage-quota-bench.ts [--rows 100000]
 *
 * Runs in the test world (bench/world.ts); deletes what it seeded.
 */

import { captureQueries } from "./capture-queries";
import { benchStack } from "./world";

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const ROWS = Number(arg("rows") ?? 100_000);

async function main() {
  const stack = await benchStack();
  Object.assign(process.env, stack.env);
  process.env.DB_QUERY_TIMEOUT_MS = String(30 * 60_000);
  process.env.RATE_LIMIT_MULTIPLIER = "0";
  const { getDb, closeDb } = await import("@/lib/db/node");
  const { createTestUser } = await import("../tests/helpers/auth");
  const { callRoute } = await import("../tests/helpers/requests");
  const { getStoredBytes, recountStoredBytes } = await import("@/lib/db/queries/storage-usage");
  const uploadsRoute = await import("@/app/api/uploads/route");

  const pool = getDb().$client;
  const run = (q: string, values?: unknown[]) => pool.query(q, values) as unknown as Promise<{ rows: Record<string, unknown>[] }>;
  const explain = async (label: string, text: string, values: unknown[] = []) => {
    const client = await pool.connect();
    try {
      await client.query("begin");
      const plan = await client.query(`explain (analyze, buffers) ${text}`, values);
      console.log(`EXPLAIN ${label}:`);
      for (const row of plan.rows) console.log(`  ${String(row["QUERY PLAN"])}`);
      console.log();
    } finally {
      await client.query("rollback");
      client.release();
    }
  };

  const user = await createTestUser();
  console.log(`seeding ${ROWS.toLocaleString("en-US")} uploads (90 % live, each with a thumbnail) for one user …`);
  const t0 = performance.now();
  try {
    await run(
      `insert into uploads (id, owner_id, project_id, plan, bucket, storage_key, name, safe_name, declared_type, declared_size, real_size, status, deadline_at)
       select 'upl_qbench-' || n, $1, $2, 'free', 'bench', 'bench/' || $1 || '/' || n, 'f.mp4', 'f.mp4', 'video/mp4', 1024, 1024,
         case when n % 10 = 0 then 'deleted' else 'processed' end, now() + interval '1 day'
       from generate_series(1, ${ROWS}) n`,
      [user.id, user.projectId],
    );
    await run(
      `insert into derived_files (upload_id, kind, storage_key, content_type, bytes)
       select id, 'thumbnail', 'derived/' || id || '/t.webp', 'image/webp', 100 from uploads where owner_id = $1 and status = 'processed'`,
      [user.id],
    );
    await run(`vacuum (analyze) uploads`);
    await run(`vacuum (analyze) derived_files`);
    console.log(`seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);

    await run(
      `create index if not exists uploads_owner_stored_idx on uploads (owner_id, real_size, declared_size)
       where status not in ('deleted', 'expired', 'aborted') and object_deleted_at is null`,
    );
    await run(`analyze uploads`);
    const recount = captureQueries(pool);
    await recountStoredBytes(user.id);
    const [before] = recount.take();
    recount.restore();
    // Twice: the first run reads the heap from disk, the second shows it cached.
    await explain("before: the recount (old create's quota read), cold", before!.text, before!.values);
    await explain("before: the recount (old create's quota read), warm", before!.text, before!.values);
    await run(`drop index uploads_owner_stored_idx`);

    const capture = captureQueries(pool);
    const res = await callRoute(uploadsRoute.POST, {
      method: "POST",
      cookie: user.cookie,
      body: { name: "q.webm", type: "video/webm", size: 1000, projectId: user.projectId },
    });
    const sent = capture.take();
    capture.restore();
    if (res.status !== 201) throw new Error(`create answered ${res.status}: ${JSON.stringify(res.body)}`);
    const read = sent.find((c) => c.text.includes(`from "storage_usage"`));
    const insert = sent.find((c) => c.text.includes("insert into storage_usage"));
    await explain("after: the usage-row read", read!.text, read!.values);
    // A fresh id and key for the re-run: the created row keeps its own.
    const createdId = String(res.body.upload.id);
    const fresh = insert!.values.map((v) => (typeof v === "string" ? v.replaceAll(createdId, `${createdId}-x`) : v));
    await explain("after: the quota-gated insert (rolled back)", insert!.text, fresh);

    const counter = await getStoredBytes(user.id);
    const again = await recountStoredBytes(user.id);
    console.log(
      `create sent ${sent.length} statements; usage row ${JSON.stringify(counter)}; recount ${JSON.stringify(again)}; equal: ${JSON.stringify(counter) === JSON.stringify(again)}`,
    );
  } finally {
    await run(`drop index if exists uploads_owner_stored_idx`);
    await run(`delete from uploads where owner_id = $1`, [user.id]);
    await run(`delete from "user" where id = $1`, [user.id]);
    await closeDb();
    await stack.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
