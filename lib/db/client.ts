// The one DB module: a Drizzle instance over a `@neondatabase/serverless` Pool.
// Imported by Edge route handlers too, so it uses Web APIs only: no `ws`, no `node:*`.
// Node code (scripts, tests, Node-runtime routes) imports `./node`, which supplies the
// WebSocket constructor Node 20 lacks, and re-exports everything here.
import { neonConfig, Pool } from "@neondatabase/serverless";
import { drizzle, type NeonDatabase } from "drizzle-orm/neon-serverless";
import { z } from "zod";
import { TIMEOUT_ENV } from "@/lib/env/schema";
import { log } from "@/lib/log";
import * as schema from "./schema";

export type Db = NeonDatabase<typeof schema> & { $client: Pool };

/**
 * Points the Neon driver at a plain Postgres behind a local WebSocket→TCP proxy
 * (dev/stack/ws-proxy.ts) when `wsProxy` is set (e.g. `127.0.0.1:54330/v1`); without it
 * the driver's Neon defaults apply. The local server asks for a cleartext password on
 * loopback like Neon does (dev/stack/postgres.ts), so no SCRAM rounds run in JavaScript.
 * `pipelineConnect` stays off all the same: a cluster still running with SCRAM (a stack
 * started before that change) would refuse a pipelined password.
 */
export function configureNeon(wsProxy: string | undefined = process.env.DATABASE_WS_PROXY): void {
  if (!wsProxy) return;
  neonConfig.wsProxy = (host, port) => `${wsProxy}?address=${host}:${port}`;
  neonConfig.useSecureWebSocket = false;
  neonConfig.pipelineTLS = false;
  neonConfig.pipelineConnect = false;
}

/** A Pool configured for this environment. Callers that create one own its `end()`. */
export function createPool(url: string | undefined = process.env.POSTGRES_URL, wsProxy?: string): Pool {
  if (!url) throw new Error("POSTGRES_URL is not set: point it at Postgres (locally `npm run stack` sets it).");
  if (typeof WebSocket === "undefined" && !neonConfig.webSocketConstructor) {
    throw new Error("No WebSocket in this runtime (Node < 22): import `@/lib/db/node` instead of `@/lib/db/client` in Node code.");
  }
  configureNeon(wsProxy);
  const t = z.object({ DB_CONNECT_TIMEOUT_MS: TIMEOUT_ENV.DB_CONNECT_TIMEOUT_MS, DB_QUERY_TIMEOUT_MS: TIMEOUT_ENV.DB_QUERY_TIMEOUT_MS }).parse(process.env);
  const pool = new Pool({
    connectionString: url,
    // Bounds, so a paused or unreachable Postgres fails a request fast (503) instead of
    // hanging it: connecting (and waiting for a pooled client), and each statement, on
    // the server and, for a server that answers nothing at all, on the client too.
    connectionTimeoutMillis: t.DB_CONNECT_TIMEOUT_MS,
    statement_timeout: t.DB_QUERY_TIMEOUT_MS,
    query_timeout: t.DB_QUERY_TIMEOUT_MS + 1_000,
  });
  // An idle client that loses its socket (server restart) emits 'error' on the pool;
  // unhandled, that would crash the process. The next query simply reconnects.
  pool.on("error", (error: Error) => log.error("idle database connection error", { error: error.message }));
  return pool;
}

type DbCache = { db: Db; pool: Pool };
const CACHE_KEY = Symbol.for("biblio.db");
const cache = globalThis as typeof globalThis & { [CACHE_KEY]?: DbCache };

/**
 * The process-wide (per-isolate on Edge) Drizzle instance, created on first use and
 * cached on globalThis so Next's dev reloads do not open a new pool per reload.
 */
export function getDb(): Db {
  let entry = cache[CACHE_KEY];
  if (!entry) {
    const pool = createPool();
    entry = { pool, db: drizzle({ client: pool, schema }) };
    cache[CACHE_KEY] = entry;
  }
  return entry.db;
}

/** Ends the cached pool (scripts and tests); the next `getDb()` opens a new one. */
export async function closeDb(): Promise<void> {
  const entry = cache[CACHE_KEY];
  if (!entry) return;
  cache[CACHE_KEY] = undefined;
  await entry.pool.end();
}
