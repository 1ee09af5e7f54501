import http from "node:http";
import type { AddressInfo } from "node:net";
import { Client } from "@upstash/qstash";
import { type QstashServerHandle, startQstashServer } from "@/dev/qstash/server";
import { QSTASH_DEV_USER } from "@/dev/stack/local-defaults";
import { replaceQstashClient } from "@/lib/queue/qstash-client";

type RouteHandler = (req: Request) => Promise<Response>;

export type Delivery = { path: string; status: number; messageId: string | null; retried: string | null; at: number };

export type WorkerHarness = {
  appUrl: string;
  qstash: QstashServerHandle;
  /** Every request the QStash server delivered to the app, with the app's answer. */
  deliveries: Delivery[];
  stop: () => Promise<void>;
};

/**
 * The real local QStash server in-process (waits scaled by `timeScale`) delivering to a
 * loopback HTTP server that hands each request to the route handlers, as Next would.
 * Must run before anything calls getEnv(): it points APP_URL and QSTASH_URL at itself.
 */
export async function startWorkerHarness(routes: Record<string, RouteHandler>, opts: { timeScale?: number } = {}): Promise<WorkerHarness> {
  const deliveries: Delivery[] = [];
  let appUrl = "";
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const path = (req.url ?? "/").split("?")[0]!;
      const handler = routes[path];
      if (!handler) {
        res.writeHead(404).end();
        return;
      }
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
      // As behind Next: the handler sees an internal URL, not the public one QStash signed.
      const request = new Request(`http://127.0.0.1:1${req.url}`, { method: req.method, headers, body: Buffer.concat(chunks) });
      const response = await handler(request).catch(() => new Response("harness error", { status: 500 }));
      deliveries.push({ path, status: response.status, messageId: headers.get("upstash-message-id"), retried: headers.get("upstash-retried"), at: Date.now() });
      const body = Buffer.from(await response.arrayBuffer());
      res.writeHead(response.status, Object.fromEntries(response.headers.entries()));
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  appUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const qstash = await startQstashServer({ port: 0, timeScale: opts.timeScale ?? 0.001 });

  Object.assign(process.env, {
    APP_URL: appUrl,
    QSTASH_URL: qstash.url,
    QSTASH_TOKEN: QSTASH_DEV_USER.token,
    QSTASH_CURRENT_SIGNING_KEY: QSTASH_DEV_USER.currentSigningKey,
    QSTASH_NEXT_SIGNING_KEY: QSTASH_DEV_USER.nextSigningKey,
    QSTASH_DEV: "false",
  });
  replaceQstashClient(new Client({ baseUrl: qstash.url, token: QSTASH_DEV_USER.token, devMode: false, enableTelemetry: false }));

  return {
    appUrl,
    qstash,
    deliveries,
    stop: async () => {
      replaceQstashClient(undefined);
      await qstash.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Polls until `check` returns a value, or fails naming what it waited for. */
export async function waitFor<T>(what: string, check: () => Promise<T | null | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
