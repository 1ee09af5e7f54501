import { spawn } from "node:child_process";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { startBalancer } from "../load-balancer";
import { isPidAlive, waitForExit } from "../process-util";
import { type Supervised, supervise } from "../supervisor";

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** A tiny HTTP server in its own process group, answering its pid. */
function serverScript(port: number) {
  return () =>
    spawn(process.execPath, ["-e", `require("node:http").createServer((q, s) => s.end(String(process.pid))).listen(${port}, "127.0.0.1")`], {
      detached: true,
      stdio: "ignore",
    });
}

async function freePort(): Promise<number> {
  const srv = http.createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

async function until(fn: () => boolean, what: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function track(s: Supervised): Supervised {
  cleanup.push(() => s.stop());
  return s;
}

describe("supervise", () => {
  it("brings a process killed with SIGKILL back, on the same port", async () => {
    const port = await freePort();
    const logs: string[] = [];
    const app = track(
      supervise({ name: "toy", start: serverScript(port), readyUrl: `http://127.0.0.1:${port}/`, log: (l) => logs.push(l), backoff: { initialMs: 50 } }),
    );
    await app.ready(20_000);
    const first = app.pid!;
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe(String(first));

    app.kill("SIGKILL");
    expect(await waitForExit(first, 10_000)).toBe(true);
    await until(() => app.restarts === 1 && app.pid !== undefined, "the restart");
    await app.ready(20_000);
    const second = app.pid!;
    expect(second).not.toBe(first);
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe(String(second));
    expect(logs.some((l) => /toy exited \(SIGKILL\); restarting in 50 ms/.test(l))).toBe(true);
  });

  it("backs off, doubling the delay for each crash in a row up to the cap", async () => {
    const logs: string[] = [];
    const crashing = track(
      supervise({
        name: "crasher",
        start: () => spawn(process.execPath, ["-e", "process.exit(3)"], { detached: true, stdio: "ignore" }),
        log: (l) => logs.push(l),
        backoff: { initialMs: 20, maxMs: 80, resetAfterMs: 60_000 },
      }),
    );
    await until(() => crashing.restarts >= 4, "four restarts");
    await crashing.stop();
    const delays = logs.filter((l) => l.startsWith("crasher exited (code 3)")).map((l) => Number(/in (\d+) ms/.exec(l)![1]));
    expect(delays.slice(0, 4)).toEqual([20, 40, 80, 80]);
  });

  it("stop() ends the process for good: no restart follows", async () => {
    const port = await freePort();
    const app = supervise({ name: "toy", start: serverScript(port), readyUrl: `http://127.0.0.1:${port}/`, log: () => {}, backoff: { initialMs: 10 } });
    await app.ready(20_000);
    const pid = app.pid!;
    await app.stop();
    expect(isPidAlive(pid)).toBe(false);
    // stop() cleared the restart path synchronously: the exit it caused is not a crash.
    expect(app.pid).toBeUndefined();
    expect(app.restarts).toBe(0);
    await expect(app.ready(1000)).rejects.toThrow(/stopping/);
  });
});

describe("load balancer", () => {
  it("spreads requests over instances, overwrites X-Forwarded-For, keeps Host, and routes around a dead instance", async () => {
    const seen: { port: number; xff?: string; realIp?: string; host?: string; body: string }[] = [];
    const upstreams = await Promise.all(
      [0, 1].map(async () => {
        const srv = http.createServer((req, res) => {
          let body = "";
          req.on("data", (c) => (body += c));
          req.on("end", () => {
            seen.push({
              port: (srv.address() as AddressInfo).port,
              xff: req.headers["x-forwarded-for"] as string,
              realIp: req.headers["x-real-ip"] as string,
              host: req.headers.host,
              body,
            });
            res.end("ok");
          });
        });
        await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
        return srv;
      }),
    );
    const ports = upstreams.map((s) => (s.address() as AddressInfo).port);
    const lb = await startBalancer({ port: 0, upstreams: ports });
    cleanup.push(() => lb.stop());
    cleanup.push(async () => {
      for (const s of upstreams) await new Promise((r) => s.close(r));
    });

    for (let i = 0; i < 4; i++) {
      const r = await fetch(`${lb.url}/x`, { method: "POST", body: `b${i}`, headers: { "X-Forwarded-For": "6.6.6.6", "X-Real-IP": "6.6.6.6" } });
      expect(r.status).toBe(200);
    }
    expect(seen.map((s) => s.port).sort()).toEqual([ports[0], ports[0], ports[1], ports[1]].sort());
    expect(seen.every((s) => s.xff === "127.0.0.1" && s.realIp === "127.0.0.1")).toBe(true);
    expect(seen.map((s) => s.body)).toEqual(["b0", "b1", "b2", "b3"]);
    // The instance sees the Host the client asked for, not its own port.
    expect(seen.every((s) => s.host === new URL(lb.url).host)).toBe(true);

    // One instance dies (connection refused): every request, POSTs included, lands on the other.
    upstreams[0].closeAllConnections();
    await new Promise((r) => upstreams[0].close(r));
    seen.length = 0;
    for (let i = 0; i < 4; i++) expect((await fetch(`${lb.url}/y`, { method: "POST", body: "z" })).status).toBe(200);
    expect(seen.map((s) => s.port)).toEqual([ports[1], ports[1], ports[1], ports[1]]);
  });
});
