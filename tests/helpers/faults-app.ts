// The app's API route handlers behind a plain node:http server, in a process of its own,
// so the fault tests can kill it with -9 and start it again (`next start` would need a
// build, which the test suite cannot afford). Every route under app/api is served with the
// same handler Next would call: a real Request in, the handler's Response out.
//   node --import tsx tests/helpers/faults-app.ts <port>
import "@/lib/db/node";
import { readdirSync, statSync } from "node:fs";
import http from "node:http";
import { join, relative, sep } from "node:path";

type Handler = (req: Request, ctx: { params: Promise<Record<string, string | string[]>> }) => Promise<Response>;
type Route = { pattern: RegExp; names: string[]; file: string; catchAll: boolean[] };

// Started with cwd = the repository root (tests/helpers/faults-rig.ts).
const APP_DIR = join(process.cwd(), "app");

function routeFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return routeFiles(path);
    return name === "route.ts" ? [path] : [];
  });
}

const routes: Route[] = routeFiles(join(APP_DIR, "api"))
  .map((file) => {
    const segments = relative(APP_DIR, file).split(sep).slice(0, -1);
    const names: string[] = [];
    const catchAll: boolean[] = [];
    const source = segments
      .map((s) => {
        const all = /^\[\.\.\.(\w+)\]$/.exec(s);
        const one = /^\[(\w+)\]$/.exec(s);
        if (all) {
          names.push(all[1]!);
          catchAll.push(true);
          return "(.+)";
        }
        if (one) {
          names.push(one[1]!);
          catchAll.push(false);
          return "([^/]+)";
        }
        return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      })
      .join("/");
    return { pattern: new RegExp(`^/${source}$`), names, file, catchAll };
  })
  // Static segments before dynamic ones, as Next resolves them.
  .sort((a, b) => a.names.length - b.names.length);

// Test setup, not shipped code: FAULTS_APP_HOLD=checksum makes every checksum wait forever,
// so a job is certainly mid-way (its attempt recorded as started) when the test kills us.
async function installFaults() {
  if (process.env.FAULTS_APP_HOLD !== "checksum") return;
  const { CHECKSUM_PROCESSOR } = await import("@/lib/processors/checksum");
  CHECKSUM_PROCESSOR.run = () => new Promise<never>(() => {});
}

const port = Number(process.argv[2]);
const appUrl = process.env.APP_URL!;

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", async () => {
    try {
      const url = new URL(req.url ?? "/", appUrl);
      const route = routes.find((r) => r.pattern.test(url.pathname));
      if (!route) return void res.writeHead(404).end();
      const match = route.pattern.exec(url.pathname)!;
      const params: Record<string, string | string[]> = {};
      route.names.forEach((name, i) => {
        const value = decodeURIComponent(match[i + 1]!);
        params[name] = route.catchAll[i] ? value.split("/") : value;
      });
      const mod = (await import(route.file)) as Record<string, Handler>;
      const handler = mod[req.method ?? "GET"];
      if (!handler) return void res.writeHead(405).end();
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
      const body = chunks.length && req.method !== "GET" && req.method !== "HEAD" ? Buffer.concat(chunks) : undefined;
      const out = await handler(new Request(url, { method: req.method, headers, body }), { params: Promise.resolve(params) });
      const outHeaders: Record<string, string | string[]> = {};
      out.headers.forEach((v, k) => {
        outHeaders[k] = v;
      });
      const cookies = out.headers.getSetCookie();
      if (cookies.length) outHeaders["set-cookie"] = cookies;
      res.writeHead(out.status, outHeaders).end(Buffer.from(await out.arrayBuffer()));
    } catch (error) {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end(String((error as Error).stack ?? error));
    }
  });
});

installFaults().then(
  () => server.listen(port, "127.0.0.1", () => console.log(`faults-app listening on ${port}`)),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
