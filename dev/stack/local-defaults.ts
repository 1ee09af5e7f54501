import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

export const ROOT_DIR = resolve(import.meta.dirname, "../..");
/**
 * Two worlds never share state: `./dev/up` is the developer's (`dev`), `./dev/test` runs in
 * `test` with its own data dir, database, bucket, QStash data and ports, so it can run while
 * `./dev/up` does and leaves the developer's data untouched. `BIBLIO_TEST_SLOT=N` gives
 * several test worlds on one machine (ports +10·N, data under `.data/test-N`).
 */
export const WORLD: "dev" | "test" = process.env.BIBLIO_WORLD === "test" ? "test" : "dev";
const SLOT = WORLD === "test" ? Number(process.env.BIBLIO_TEST_SLOT ?? 0) : 0;
const OFFSET = WORLD === "test" ? 100 + 10 * SLOT : 0;

export const DATA_DIR = process.env.BIBLIO_DATA_DIR ?? join(ROOT_DIR, ".data", ...(WORLD === "test" ? [SLOT ? `test-${SLOT}` : "test"] : []));

export const PORTS = {
  app: WORLD === "test" ? 3100 + 10 * SLOT : 3000,
  /** `./dev/test` serves the app under e2e test here, beside a possible dev app on :3000. */
  e2eApp: 3100 + 10 * SLOT,
  postgres: 54329 + OFFSET,
  wsProxy: 54330 + OFFSET,
  rgw: 7480 + OFFSET,
  cephMon: 6790 + OFFSET,
  qstash: 8080 + OFFSET,
} as const;

export const LOCAL_S3 = {
  accessKey: "biblio-local",
  secretKey: "biblio-local-secret-not-for-production",
  bucket: "biblio-uploads",
  region: "us-east-1",
} as const;

/** The app's S3_* settings for the local bucket served at `endpoint`. */
export function localS3Env(endpoint: string): Record<string, string> {
  return {
    S3_ENDPOINT: endpoint,
    S3_REGION: LOCAL_S3.region,
    S3_ACCESS_KEY_ID: LOCAL_S3.accessKey,
    S3_SECRET_ACCESS_KEY: LOCAL_S3.secretKey,
    S3_BUCKET: LOCAL_S3.bucket,
    S3_FORCE_PATH_STYLE: "true",
    // Ceph 16 aborts radosgw on DeleteObjects in a bucket with a persistent topic.
    S3_MULTI_DELETE: "false",
  };
}

export const LOCAL_PG = { user: "postgres", password: "postgres", database: "biblio" } as const;

/** User 1 of the published QStash dev-server credentials: public, local-only by design. */
export const QSTASH_DEV_USER = {
  token: "eyJVc2VySUQiOiJkZWZhdWx0VXNlciIsIlBhc3N3b3JkIjoiZGVmYXVsdFBhc3N3b3JkIn0=",
  currentSigningKey: "sig_7kYjw48mhY7kAjqNGcy6cr29RJ6r",
  nextSigningKey: "sig_5ZB6DVzB1wjE8S6rZ7eenA8Pdnhs",
} as const;

/**
 * The auth secret is generated once per data dir, so no secret lives in the repo and
 * sessions survive restarts of the stack.
 */
export function localAuthSecret(): string {
  const file = join(DATA_DIR, "auth-secret");
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  mkdirSync(DATA_DIR, { recursive: true });
  const secret = randomBytes(32).toString("hex");
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}
