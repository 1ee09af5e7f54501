import { Client } from "@upstash/qstash";
import { DependencyTimeoutError } from "@/lib/api/dependency-errors";
import { getEnv } from "@/lib/env";

let client: Client | undefined;

// A few quick retries of a failed connection (the SDK's default is 5 with exponential
// waits, ~7 s in all); the whole call is bounded by QSTASH_TIMEOUT_MS anyway.
const RETRY = { retries: 2, backoff: (n: number) => 100 * 2 ** n };

/** The one QStash client; in QSTASH_DEV mode the SDK targets the local server itself. */
export function getQstash(): Client {
  if (client) return client;
  const env = getEnv();
  client = env.QSTASH_DEV
    ? new Client({ devMode: true, enableTelemetry: false, retry: RETRY })
    : // devMode false: a stray QSTASH_DEV in the environment must not silently redirect production.
      new Client({ baseUrl: env.QSTASH_URL, token: env.QSTASH_TOKEN!, devMode: false, enableTelemetry: false, retry: RETRY });
  return client;
}

/** Swaps the client (e.g. one with revoked credentials, to exercise publish failures). */
export function replaceQstashClient(next: Client | undefined): void {
  client = next;
}

/**
 * Bounds one QStash call: the SDK uses the global fetch and takes no signal, so a paused
 * QStash would hold the caller (a `/complete`, a sweep holding its lease) for minutes.
 * Past QSTASH_TIMEOUT_MS the caller gets a DependencyTimeoutError (a 503 at the API);
 * the request itself is left to finish or fail on its own.
 */
export async function withQstashTimeout<T>(call: Promise<T>, what = "QStash call"): Promise<T> {
  const ms = getEnv().QSTASH_TIMEOUT_MS;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DependencyTimeoutError("queue", `${what} got no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([call, timeout]);
  } finally {
    clearTimeout(timer);
    // A late failure of the abandoned call must not become an unhandled rejection.
    call.catch(() => {});
  }
}
