import http from "node:http";
import { startQstashServer } from "../dev/qstash/server.ts";
const N = 20000;
let got = 0;
const ep = http.createServer((req, res) => { req.resume(); req.on("end", () => { got++; res.end("ok"); }); });
await new Promise<void>(r => ep.listen(0, "127.0.0.1", r));
const epUrl = `http://127.0.0.1:${(ep.address() as any).port}`;
const s = await startQstashServer({ port: 0 });
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
const u = new URL(s.url);
function post(body: string) { return new Promise<void>((res, rej) => { const r = http.request({ agent, host: u.hostname, port: u.port, path: `/v2/publish/${epUrl}/hook`, method: "POST", headers: { Authorization: "Bearer eyJVc2VySUQiOiJkZWZhdWx0VXNlciIsIlBhc3N3b3JkIjoiZGVmYXVsdFBhc3N3b3JkIn0=", "Content-Length": body.length } }, (x) => { x.resume(); x.on("end", () => res()); }); r.on("error", rej); r.end(body); }); }
const t0 = performance.now();
let i = 0;
await Promise.all(Array.from({ length: 64 }, async () => { while (i < N) { i++; await post(String(i)); } }));
while (got < N) await new Promise(r => setTimeout(r, 5));
console.log("rate", (N / ((performance.now() - t0) / 1000)).toFixed(0));
await s.stop(); agent.destroy(); ep.close();
