import { Client } from "@upstash/qstash";
import { getEnv } from "@/lib/env";

let client: Client | undefined;

/** The one QStash client; in QSTASH_DEV mode the SDK targets the local server itself. */
export function getQstash(): Client {
  if (client) return client;
  const env = getEnv();
  client = env.QSTASH_DEV
    ? new Client({ devMode: true, enableTelemetry: false })
    : // devMode false: a stray QSTASH_DEV in the environment must not silently redirect production.
      new Client({ baseUrl: env.QSTASH_URL, token: env.QSTASH_TOKEN!, devMode: false, enableTelemetry: false });
  return client;
}

/** Swaps the client (e.g. one with revoked credentials, to exercise publish failures). */
export function replaceQstashClient(next: Client | undefined): void {
  client = next;
}
