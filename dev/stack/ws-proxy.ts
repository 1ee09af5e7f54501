// WebSocket→TCP proxy so `@neondatabase/serverless` reaches the local Postgres the way it
// reaches Neon: the driver opens ws://<proxy>?address=<host>:<port> and speaks the
// Postgres wire protocol in binary frames.
//
// It is never an open proxy. A browser page can open a WebSocket to 127.0.0.1 from any
// site, so three checks stand between it and local services:
//   1. targets are loopback only;
//   2. upgrades carrying an Origin header are refused (browsers always send one; the Neon
//      driver on Node and on Next's Edge sandbox sends none);
//   3. the first bytes must be a Postgres StartupMessage/SSLRequest before any TCP
//      connection is opened, so the proxy cannot be used to talk HTTP to QStash or Ceph.

import type { IncomingMessage } from "node:http";
import net from "node:net";
import type { Duplex } from "node:stream";
import { createWebSocketStream, type WebSocket, WebSocketServer } from "ws";

export interface StartWsProxyOptions {
  port: number;
  host?: string;
  log?: (line: string) => void;
  /** Restrict targets further to these ports (e.g. the Postgres port). Default: any loopback port. */
  allowedPorts?: number[];
}

export interface WsProxyHandle {
  /** host:port/v1, the value for DATABASE_WS_PROXY (no scheme, as the Neon driver expects). */
  url: string;
  port: number;
  stop(): Promise<void>;
}

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);
const PROTOCOL_V3 = 196608;
const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const STARTUP_TIMEOUT_MS = 10_000;
/** Postgres itself caps a startup packet at 10,000 bytes. */
const MAX_STARTUP_LENGTH = 10_000;

export class ProxyTargetError extends Error {}

/** Parses `?address=host:port` and rejects anything that is not loopback. */
export function parseProxyTarget(reqUrl: string | undefined, allowedPorts?: number[]): { host: string; port: number } {
  const address = new URL(reqUrl ?? "/", "ws://proxy").searchParams.get("address");
  if (!address) throw new ProxyTargetError("missing ?address=host:port");
  const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(address);
  if (!m) throw new ProxyTargetError(`malformed address ${JSON.stringify(address)}`);
  const host = m[1].toLowerCase();
  const port = Number(m[2]);
  if (!LOOPBACK_HOSTS.has(host)) throw new ProxyTargetError(`target ${host} is not loopback`);
  if (port < 1 || port > 65535 || (allowedPorts && !allowedPorts.includes(port))) throw new ProxyTargetError(`target port ${port} is not allowed`);
  return { host: host === "localhost" ? "127.0.0.1" : host.replace(/^\[|\]$/g, ""), port };
}

export function startWsProxy(opts: StartWsProxyOptions): Promise<WsProxyHandle> {
  const host = opts.host ?? "127.0.0.1";
  const log = opts.log ?? (() => {});
  const sockets = new Set<net.Socket>();

  const wss = new WebSocketServer({
    host,
    port: opts.port,
    // Postgres frames are small and already compact; deflate would only add latency.
    perMessageDeflate: false,
    verifyClient: ({ req }: { req: IncomingMessage }, done: (ok: boolean, code?: number, message?: string) => void) => {
      if (req.headers.origin) return done(false, 403, "browser origins are not allowed");
      try {
        parseProxyTarget(req.url, opts.allowedPorts);
        done(true);
      } catch (error) {
        log(`refused ${req.url}: ${(error as Error).message}`);
        done(false, 403, (error as Error).message);
      }
    },
  });

  wss.on("connection", (ws: WebSocket, req: IncomingMessage) => {
    const target = parseProxyTarget(req.url, opts.allowedPorts);
    const wsStream = createWebSocketStream(ws);
    wsStream.on("error", () => {});
    void readStartup(wsStream).then(
      (head) => {
        const tcp = net.connect({ host: target.host, port: target.port });
        sockets.add(tcp);
        tcp.setNoDelay(true);
        wsStream.unshift(head);
        const closeBoth = () => {
          tcp.destroy();
          wsStream.destroy();
        };
        tcp.on("error", (error) => {
          log(`tcp ${target.host}:${target.port}: ${error.message}`);
          closeBoth();
        });
        tcp.on("close", () => {
          sockets.delete(tcp);
          closeBoth();
        });
        wsStream.on("close", closeBoth);
        // pipe() handles backpressure both ways: it pauses the source while the
        // destination's buffer is over its high-water mark and resumes on 'drain'.
        tcp.once("connect", () => {
          wsStream.pipe(tcp);
          tcp.pipe(wsStream);
        });
      },
      (error: Error) => {
        log(`refused connection to ${target.host}:${target.port}: ${error.message}`);
        ws.close(1008, error.message.slice(0, 120));
      },
    );
  });

  return new Promise((resolve, reject) => {
    wss.once("error", (error: NodeJS.ErrnoException) => {
      reject(error.code === "EADDRINUSE" ? new Error(`Port ${opts.port} (postgres websocket proxy) is busy.`) : error);
    });
    wss.once("listening", () => {
      const port = (wss.address() as net.AddressInfo).port;
      log(`listening on ws://${host}:${port}/v1`);
      resolve({
        url: `${host}:${port}/v1`,
        port,
        stop: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            for (const client of wss.clients) client.terminate();
            wss.close(() => done());
          }),
      });
    });
  });
}

/** Reads until the first 8 bytes are available and checks they open a Postgres session. */
function readStartup(stream: Duplex): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const timer = setTimeout(() => finish(new Error("no startup message")), STARTUP_TIMEOUT_MS);
    const finish = (error: Error | null) => {
      clearTimeout(timer);
      stream.off("readable", onReadable);
      stream.off("end", onEnd);
      stream.off("close", onEnd);
      if (error) return reject(error);
      resolve(Buffer.concat(chunks));
    };
    const onEnd = () => finish(new Error("closed before the startup message"));
    const onReadable = () => {
      while (length < 8) {
        const chunk: Buffer | null = stream.read();
        if (chunk === null) break;
        chunks.push(chunk);
        length += chunk.length;
      }
      if (length < 8) return;
      const head = Buffer.concat(chunks);
      const size = head.readInt32BE(0);
      const code = head.readInt32BE(4);
      const known = code === PROTOCOL_V3 || code === SSL_REQUEST || code === GSSENC_REQUEST;
      finish(known && size >= 8 && size <= MAX_STARTUP_LENGTH ? null : new Error("not a Postgres startup message"));
    };
    stream.on("readable", onReadable);
    stream.on("end", onEnd);
    stream.on("close", onEnd);
  });
}
