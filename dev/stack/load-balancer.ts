import http from "node:http";
import type { AddressInfo } from "node:net";

export interface BalancerOptions {
  port: number;
  host?: string;
  /** Upstream ports on 127.0.0.1. */
  upstreams: number[];
  log?: (line: string) => void;
}

export interface Balancer {
  url: string;
  /** Requests sent to each upstream port, for benchmarks and tests. */
  counts: Map<number, number>;
  stop(): Promise<void>;
}

/** Bodies are buffered (control-plane JSON only: uploads go straight to S3) so a refused request can move on. */
const MAX_BODY = 16 * 1024 * 1024;
/** An upstream that refused a connection is skipped this long (it is restarting). */
const DOWN_MS = 1_000;
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "trailer"]);

/**
 * Round-robin HTTP load balancer in front of N app instances, the local stand-in for a
 * platform's router. It is the trusted edge: it sets X-Forwarded-For and X-Real-IP to the
 * peer address (never passing a client-supplied one on) and keeps the original Host. A request whose
 * connection an instance refuses (crashed, restarting) goes to the next instance.
 */
export async function startBalancer(opts: BalancerOptions): Promise<Balancer> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const downUntil = new Map<number, number>();
  const counts = new Map<number, number>(opts.upstreams.map((p) => [p, 0]));
  let next = 0;

  const pick = (tried: Set<number>): number | undefined => {
    const now = Date.now();
    const n = opts.upstreams.length;
    for (let i = 0; i < n; i++) {
      const p = opts.upstreams[(next + i) % n];
      if (tried.has(p) || (downUntil.get(p) ?? 0) > now) continue;
      next = (next + i + 1) % n;
      return p;
    }
    // Every instance looks down: try one not yet tried anyway rather than fail at once.
    return opts.upstreams.find((p) => !tried.has(p));
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        res.writeHead(413).end();
        req.destroy();
      } else chunks.push(c);
    });
    req.on("end", () => forward(req, res, Buffer.concat(chunks), new Set()));
  });

  function forward(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer, tried: Set<number>): void {
    const port = pick(tried);
    if (port === undefined) {
      res.writeHead(502, { "Content-Type": "application/json" }).end(JSON.stringify({ error: "no app instance is answering" }));
      return;
    }
    tried.add(port);
    const headers: http.OutgoingHttpHeaders = {};
    for (const [k, v] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(k) && v !== undefined) headers[k] = v;
    const peer = (req.socket.remoteAddress ?? "").replace(/^::ffff:/, "");
    headers["x-forwarded-for"] = peer;
    headers["x-real-ip"] = peer;
    headers["x-forwarded-host"] = req.headers.host ?? "";
    headers["x-forwarded-proto"] = "http";
    headers["content-length"] = String(body.length);
    const up = http.request({ host: "127.0.0.1", port, method: req.method, path: req.url, headers, agent }, (upRes) => {
      counts.set(port, (counts.get(port) ?? 0) + 1);
      const out: http.OutgoingHttpHeaders = {};
      for (const [k, v] of Object.entries(upRes.headers)) if (!HOP_BY_HOP.has(k) && v !== undefined) out[k] = v;
      res.writeHead(upRes.statusCode ?? 502, upRes.statusMessage, out);
      upRes.pipe(res);
      upRes.on("error", () => res.destroy());
    });
    up.on("error", (e: NodeJS.ErrnoException) => {
      if (res.headersSent) return res.destroy();
      // Refused: the request never ran there, so another instance may take it. A reset on a reused
      // keep-alive socket is retried only for reads: a crash mid-request may have done part of a write.
      const idempotent = req.method === "GET" || req.method === "HEAD";
      if (e.code === "ECONNREFUSED" || (idempotent && up.reusedSocket && e.code === "ECONNRESET")) {
        if (e.code === "ECONNREFUSED") downUntil.set(port, Date.now() + DOWN_MS);
        return forward(req, res, body, tried);
      }
      opts.log?.(`load balancer: ${req.method} ${req.url} → :${port}: ${e.message}`);
      res.writeHead(502, { "Content-Type": "application/json" }).end(JSON.stringify({ error: "app instance failed" }));
    });
    res.on("close", () => {
      if (!res.writableFinished) up.destroy();
    });
    up.end(body);
  }

  const host = opts.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, host, () => resolve());
  });
  server.keepAliveTimeout = 65_000;
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}`,
    counts,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      agent.destroy();
    },
  };
}
