// The trigger matrix's meters: transparent loopback proxies the app's traffic passes
// through, so requests are counted where they are made, by kind, without touching the app.
// - an HTTP reverse proxy (in front of Ceph RGW, the local QStash and the app itself);
//   it keeps the Host header, so SigV4 signatures and presigned URLs stay valid;
// - a Postgres wire proxy (between the WebSocket proxy and Postgres) that counts round
//   trips (each simple Query or extended-protocol Sync is one) and times each one until
//   its ReadyForQuery.
import http from "node:http";
import type { AddressInfo } from "node:net";
import net from "node:net";

export const now = () => performance.timeOrigin + performance.now();

export type HttpHit = {
  at: number;
  /** When the upstream's answer started (its status line arrived). */
  answeredAt: number;
  method: string;
  path: string;
  query: string;
  status: number;
  /** Presigned (query-string signature): the uploader's data plane, not the app's calls. */
  presigned: boolean;
  reqBody?: string;
  resBody?: string;
};

export type HttpProxy = { url: string; port: number; hits: HttpHit[]; stop(): Promise<void> };

const MAX_CAPTURE = 512 * 1024;

export async function startHttpProxy(opts: {
  target: string;
  /** Which requests to keep the bodies of (small JSON ones only). */
  capture?: (method: string, path: string) => boolean;
  /** Rewrites a request before it is forwarded (path and extra headers). */
  rewrite?: (path: string) => { path: string; headers?: Record<string, string> } | null;
}): Promise<HttpProxy> {
  const target = new URL(opts.target);
  const agent = new http.Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });
  const hits: HttpHit[] = [];
  const server = http.createServer((req, res) => {
    const at = now();
    const [rawPath, query = ""] = (req.url ?? "/").split("?", 2) as [string, string?];
    const rewritten = opts.rewrite?.(rawPath) ?? null;
    const path = rewritten?.path ?? rawPath;
    const capture = opts.capture?.(req.method ?? "GET", path) ?? false;
    const hit: HttpHit = { at, answeredAt: 0, method: req.method ?? "GET", path, query, status: 0, presigned: /(^|&)X-Amz-Signature=/i.test(query) };
    const reqChunks: Buffer[] = [];
    const upstream = http.request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: query ? `${path}?${query}` : path,
        headers: { ...req.headers, ...rewritten?.headers },
        agent,
      },
      (up) => {
        hit.answeredAt = now();
        hit.status = up.statusCode ?? 0;
        res.writeHead(up.statusCode ?? 502, up.headers);
        const resChunks: Buffer[] = [];
        let size = 0;
        if (capture)
          up.on("data", (c: Buffer) => {
            if (size < MAX_CAPTURE) resChunks.push(c);
            size += c.length;
          });
        up.on("end", () => {
          if (capture) {
            hit.reqBody = Buffer.concat(reqChunks).toString("utf8");
            hit.resBody = Buffer.concat(resChunks).toString("utf8");
          }
          hits.push(hit);
        });
        up.on("error", () => res.destroy());
        up.pipe(res);
      },
    );
    upstream.on("error", () => {
      hit.status = 502;
      hits.push(hit);
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    });
    let size = 0;
    if (capture)
      req.on("data", (c: Buffer) => {
        if (size < MAX_CAPTURE) reqChunks.push(c);
        size += c.length;
      });
    req.on("error", () => upstream.destroy());
    req.pipe(upstream);
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    hits,
    stop: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
        agent.destroy();
      }),
  };
}

export type PgSample = { at: number; ms: number };
export type PgProxy = { port: number; roundTrips: () => number; samples: PgSample[]; open: () => number; stop(): Promise<void> };

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;

/** Counts Postgres round trips and their latency (request → ReadyForQuery), per connection. */
export async function startPgProxy(opts: { targetPort: number }): Promise<PgProxy> {
  let roundTrips = 0;
  let open = 0;
  const samples: PgSample[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(opts.targetPort, "127.0.0.1");
    sockets.add(client).add(upstream);
    open++;
    const pending: number[] = [];
    let startup = true;
    let skipSslReply = 0;
    let front = Buffer.alloc(0);
    let back = Buffer.alloc(0);
    client.on("data", (chunk: Buffer) => {
      upstream.write(chunk);
      front = Buffer.concat([front, chunk]);
      for (;;) {
        if (startup) {
          if (front.length < 8) break;
          const len = front.readInt32BE(0);
          if (front.length < len) break;
          const code = front.readInt32BE(4);
          if (code === SSL_REQUEST || code === GSSENC_REQUEST) skipSslReply++;
          else startup = false;
          front = front.subarray(len);
          continue;
        }
        if (front.length < 5) break;
        const len = front.readInt32BE(1);
        if (front.length < 1 + len) break;
        const type = String.fromCharCode(front[0]!);
        if (type === "Q" || type === "S") {
          roundTrips++;
          pending.push(now());
        }
        front = front.subarray(1 + len);
      }
    });
    upstream.on("data", (chunk: Buffer) => {
      client.write(chunk);
      back = Buffer.concat([back, chunk]);
      for (;;) {
        if (skipSslReply > 0 && back.length >= 1) {
          back = back.subarray(1);
          skipSslReply--;
          continue;
        }
        if (back.length < 5) break;
        const len = back.readInt32BE(1);
        if (back.length < 1 + len) break;
        if (back[0] === 0x5a /* Z */) {
          const sent = pending.shift();
          if (sent !== undefined) {
            const t = now();
            samples.push({ at: t, ms: t - sent });
          }
        }
        back = back.subarray(1 + len);
      }
    });
    const close = () => {
      if (!sockets.has(client)) return;
      sockets.delete(client);
      sockets.delete(upstream);
      open--;
      client.destroy();
      upstream.destroy();
    };
    client.on("close", close).on("error", close);
    upstream.on("close", close).on("error", close);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: (server.address() as AddressInfo).port,
    roundTrips: () => roundTrips,
    samples,
    open: () => open,
    stop: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
