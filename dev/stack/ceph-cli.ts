// Standalone local S3 for manual use: `npx tsx dev/stack/ceph-cli.ts`. Ctrl-C stops it.
// Env: CEPH_DATA_DIR, S3_PORT (rgw), CEPH_MON_PORT, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY,
// S3_BUCKET, APP_ORIGINS (comma separated).
import { resolve } from "node:path";
import { startCeph } from "./ceph";
import { run } from "./process-util";

const env = process.env;
const dataDir = resolve(env.CEPH_DATA_DIR ?? ".data/ceph");
const accessKey = env.S3_ACCESS_KEY_ID ?? "biblio-dev";
const secretKey = env.S3_SECRET_ACCESS_KEY ?? "biblio-dev-secret";
const bucket = env.S3_BUCKET ?? "biblio-uploads";
const t0 = Date.now();

async function main() {
  const ceph = await startCeph({
    dataDir,
    rgwPort: env.S3_PORT ? Number(env.S3_PORT) : undefined,
    monPort: env.CEPH_MON_PORT ? Number(env.CEPH_MON_PORT) : undefined,
    accessKey,
    secretKey,
    bucket,
    corsOrigins: (env.APP_ORIGINS ?? "http://localhost:3000,http://127.0.0.1:3000").split(","),
    log: (l) => console.log(`[${((Date.now() - t0) / 1000).toFixed(1)}s] ${l}`),
  });

  const rss = await run("ps", ["-o", "pid=,rss=,comm=", "-C", "ceph-mon,ceph-osd,radosgw"], { allowFail: true });
  console.log(
    [
      ``,
      `S3 ready (${ceph.coldInit ? "cold init" : "warm start"}) in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
      `  S3_ENDPOINT=${ceph.endpoint}`,
      `  S3_ACCESS_KEY_ID=${accessKey}`,
      `  S3_SECRET_ACCESS_KEY=${secretKey}`,
      `  S3_BUCKET=${bucket}`,
      `  S3_REGION=us-east-1 (path-style)`,
      `  data: ${dataDir}`,
      `daemon RSS (KiB):`,
      ...rss.stdout
        .trim()
        .split("\n")
        .map((l) => `  ${l.trim()}`),
      `Ctrl-C to stop.`,
    ].join("\n"),
  );

  let stopping = false;
  const shutdown = async (sig: string) => {
    if (stopping) return;
    stopping = true;
    const t = Date.now();
    console.log(`\n${sig}: stopping radosgw, osd, mon…`);
    await ceph.stop();
    console.log(`stopped in ${Date.now() - t} ms`);
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  setInterval(() => {}, 1 << 30);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
