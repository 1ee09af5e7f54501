import http from "node:http";
import type { AddressInfo } from "node:net";
import { Client } from "@upstash/qstash";
import { DEV_USER_1 } from "../dev-users.js";
import { type QstashServerHandle, type QstashServerOptions, startQstashServer } from "../server.js";

export const TOKEN = DEV_USER_1.token;
export const KEYS = { currentSigningKey: DEV_USER_1.current, nextSigningKey: DEV_USER_1.next };

export interface Delivery {
  path: string;
  method: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  at: number;
}

export type Responder = (
  d: Delivery,
  req: http.IncomingMessage,
) =>
  | { status?: number; headers?: Record<string, string>; body?: string; delayMs?: number }
  | Promise<{ status?: number; headers?: Record<string, string>; body?: string; delayMs?: number }>
  | Response
  | Promise<Response>;

/** A real HTTP destination that records every delivery and answers per path prefix. */
export class Endpoint {
  deliveries: Delivery[] = [];
  private routes: [string, Responder][] = [];
  private server!: http.Server;
  private waiters: (() => void)[] = [];
  url = "";
  inFlight = 0;
  maxInFlight = 0;

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c) => chunks.push(c));
      req.on("end", async () => {
        const d: Delivery = {
          path: req.url ?? "",
          method: req.method ?? "",
          headers: req.headers,
          body: Buffer.concat(chunks).toString("utf8"),
          at: Date.now(),
        };
        this.inFlight++;
        this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
        try {
          const route = this.routes.find(([p]) => d.path.startsWith(p));
          const r = route ? await route[1](d, req) : {};
          if (r instanceof Response) {
            res.writeHead(r.status, Object.fromEntries(r.headers.entries()));
            res.end(Buffer.from(await r.arrayBuffer()));
          } else {
            if (r.delayMs) await sleep(r.delayMs);
            res.writeHead(r.status ?? 200, r.headers ?? {});
            res.end(r.body ?? "ok");
          }
        } catch (e) {
          res.writeHead(500);
          res.end(String(e));
        } finally {
          this.inFlight--;
          this.deliveries.push(d);
          for (const w of this.waiters.splice(0)) w();
        }
      });
    });
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  on(pathPrefix: string, r: Responder): void {
    this.routes.unshift([pathPrefix, r]);
  }

  to(path: string): string {
    return this.url + path;
  }

  at(pathPrefix: string): Delivery[] {
    return this.deliveries.filter((d) => d.path.startsWith(pathPrefix));
  }

  /** Resolves once `n` deliveries to pathPrefix were answered. */
  async waitFor(pathPrefix: string, n = 1, timeoutMs = 10_000): Promise<Delivery[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.at(pathPrefix).length < n) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${n} deliveries to ${pathPrefix} (got ${this.at(pathPrefix).length})`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
    return this.at(pathPrefix);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function until<T>(fn: () => T | Promise<T>, timeoutMs = 10_000, what = "condition"): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

export async function startServer(opts: QstashServerOptions = {}): Promise<QstashServerHandle & { client: Client; logs: string[] }> {
  const logs: string[] = [];
  const s = await startQstashServer({ port: 0, timeScale: 0.001, log: (l) => logs.push(l), ...opts });
  const client = new Client({ baseUrl: s.url, token: TOKEN, retry: false });
  return Object.assign(s, { client, logs });
}

/** Raw API call for things the SDK cannot express (bad input, raw status codes). */
export async function api(base: string, method: string, path: string, init: { headers?: Record<string, string>; body?: string; token?: string | null } = {}) {
  const headers: Record<string, string> = { ...(init.headers ?? {}) };
  if (init.token !== null) headers.Authorization = `Bearer ${init.token ?? TOKEN}`;
  const res = await fetch(base + path, { method, headers, body: init.body });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}
