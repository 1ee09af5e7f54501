import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

export const ROOT_DIR = resolve(import.meta.dirname, "../..");
export const DATA_DIR = process.env.BIBLIO_DATA_DIR ?? join(ROOT_DIR, ".data");

export const PORTS = {
  app: 3000,
  /** `./dev/test` serves the app under e2e test here, beside a possible dev app on :3000. */
  e2eApp: 3100,
  postgres: 54329,
  wsProxy: 54330,
  rgw: 7480,
  qstash: 8080,
} as const;

export const LOCAL_S3 = {
  accessKey: "biblio-local",
  secretKey: "biblio-local-secret-not-for-production",
  bucket: "biblio-uploads",
  region: "us-east-1",
} as const;

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
