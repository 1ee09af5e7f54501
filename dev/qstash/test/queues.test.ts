import { describe, expect, it } from "vitest";
import { ep, s, withServerAndEndpoint } from "./harness.js";
import { api, sleep, startServer, until } from "./helpers.js";

withServerAndEndpoint();

describe("queues API", () => {
  it("upsert, get, list, pause/resume (idempotent), lag and delete", async () => {
    const q = s.client.queue({ queueName: "api-q" });
    await q.upsert({ parallelism: 2 });
    let info = await q.get();
    expect(info).toMatchObject({ name: "api-q", parallelism: 2, paused: false, lag: 0 });
    expect(typeof info.createdAt).toBe("number");
    expect((await q.list()).map((x) => x.name)).toContain("api-q");
    await q.pause();
    await q.pause();
    expect((await q.get()).paused).toBe(true);
    await q.enqueue({ url: ep.to("/apiq"), body: "1" });
    await q.enqueue({ url: ep.to("/apiq"), body: "2" });
    info = await q.get();
    expect(info.lag).toBe(2);
    // Held by the pause, as the server itself reports: nothing in flight, both waiting.
    expect(await s.waitForIdle({ timeoutMs: 5000 })).toMatchObject({ idle: true, paused: 2, inflight: 0 });
    expect(ep.at("/apiq")).toHaveLength(0);
    await q.resume();
    await q.resume();
    await ep.waitFor("/apiq", 2);
    await until(async () => (await q.get()).lag === 0, 5000, "lag 0");
    await q.delete();
    await expect(q.get()).rejects.toMatchObject({ status: 404 });
    const bad = await api(s.url, "POST", "/v2/queues", {
      body: JSON.stringify({ queueName: "bad name!", parallelism: 1 }),
      headers: { "Content-Type": "application/json" },
    });
    expect(bad.status).toBe(400);
    const bad2 = await api(s.url, "POST", "/v2/queues", {
      body: JSON.stringify({ queueName: "ok", parallelism: 0 }),
      headers: { "Content-Type": "application/json" },
    });
    expect(bad2.status).toBe(400);
  });

  it("deleting a queue cancels its waiting messages", async () => {
    const q = s.client.queue({ queueName: "doomed" });
    await q.upsert({ paused: true });
    const r = await q.enqueue({ url: ep.to("/doomed"), body: "x" });
    await q.delete();
    expect(((await s.client.messages.get(r.messageId)) as any).state).toBe("CANCELED");
  });
});

describe("queue delivery", () => {
  it("parallelism 1 is strict FIFO, including across retries", async () => {
    const q = s.client.queue({ queueName: "fifo" });
    await q.upsert({ parallelism: 1 });
    let failOnce = true;
    ep.on("/fifo", (d) => {
      if (d.body === "3" && failOnce) {
        failOnce = false;
        return { status: 500 };
      }
      return { delayMs: Math.floor(Math.random() * 4) };
    });
    for (let i = 0; i < 20; i++) await q.enqueue({ url: ep.to("/fifo"), body: String(i), retries: 2 });
    const ds = await ep.waitFor("/fifo", 21, 20_000);
    const order = ds.map((d) => d.body);
    // message 3 failed once and was retried before 4 started
    expect(order).toEqual(["0", "1", "2", "3", "3", ...Array.from({ length: 16 }, (_, i) => String(i + 4))]);
    for (let i = 1; i < ds.length; i++) expect(ds[i].at).toBeGreaterThanOrEqual(ds[i - 1].at);
  });

  it("parallelism N caps concurrent deliveries under load", async () => {
    const q = s.client.queue({ queueName: "par3" });
    await q.upsert({ parallelism: 3 });
    let cur = 0;
    let max = 0;
    ep.on("/par3", async () => {
      cur++;
      max = Math.max(max, cur);
      await sleep(25);
      cur--;
      return { status: 200 };
    });
    await s.client.batch(Array.from({ length: 30 }, (_, i) => ({ url: ep.to("/par3"), body: String(i), queueName: "par3" })));
    await ep.waitFor("/par3", 30, 20_000);
    expect(max).toBe(3);
  });

  it("a flow-control key at its parallelism does not hold the queue's other slots", async () => {
    const q = s.client.queue({ queueName: "fair" });
    // Paused while filling, so the order does not depend on how fast this machine enqueues.
    await q.upsert({ parallelism: 2, paused: true });
    ep.on("/fair/", () => ({ delayMs: 40 }));
    for (let i = 0; i < 10; i++) {
      await q.enqueue({ url: ep.to(`/fair/a${i}`), body: `a${i}`, flowControl: { key: "user-a", parallelism: 1 } });
    }
    await q.enqueue({ url: ep.to("/fair/b"), body: "b", flowControl: { key: "user-b", parallelism: 1 } });
    await q.resume();
    const ds = await ep.waitFor("/fair/", 11, 20_000);
    const order = ds.map((d) => d.body);
    // b takes the slot user-a cannot use, long before a's backlog drains; a stays in order.
    expect(order.indexOf("b")).toBeLessThan(3);
    expect(order.filter((x) => x !== "b")).toEqual(Array.from({ length: 10 }, (_, i) => `a${i}`));
  });

  it("the next message waits for the previous one's callback", async () => {
    const q = s.client.queue({ queueName: "cbq" });
    await q.upsert({ parallelism: 1 });
    ep.on("/slowcb", () => ({ delayMs: 150 }));
    await q.enqueue({ url: ep.to("/cbq/a"), body: "a", callback: ep.to("/slowcb") });
    await q.enqueue({ url: ep.to("/cbq/b"), body: "b" });
    const [b] = await ep.waitFor("/cbq/b");
    const [cb] = await ep.waitFor("/slowcb");
    expect(b.at).toBeGreaterThanOrEqual(cb.at);
  });
});

describe("flow control", () => {
  it("parallelism per key is shared across URLs", async () => {
    let cur = 0;
    let max = 0;
    ep.on("/fc/", async () => {
      cur++;
      max = Math.max(max, cur);
      await sleep(25);
      cur--;
      return {};
    });
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => s.client.publish({ url: ep.to(`/fc/${i % 2}`), body: String(i), flowControl: { key: "fck", parallelism: 2 } })),
    );
    await ep.waitFor("/fc/", 20, 20_000);
    expect(max).toBe(2);
    const info = await s.client.flowControl.get("fck");
    expect(info).toMatchObject({ flowControlKey: "fck", parallelismMax: 2, waitListSize: 0 });
    const list = await api(s.url, "GET", "/v2/flowControl?search=fc");
    expect(list.json.map((f: any) => f.flowControlKey)).toContain("fck");
  });

  it("rate per period limits attempts started per window", async () => {
    const s2 = await startServer({ timeScale: 0.2 }); // period 1 s → 200 ms windows
    try {
      const t0 = Date.now();
      await Promise.all(
        Array.from({ length: 9 }, (_, i) => s2.client.publish({ url: ep.to("/rate"), body: String(i), flowControl: { key: "rk", rate: 3, period: 1 } })),
      );
      const ds = await ep.waitFor("/rate", 9, 10_000);
      // 3 per 200 ms window → the 9th cannot start before two full windows after the first start
      expect(ds[8].at - t0).toBeGreaterThanOrEqual(400);
      expect((await s2.client.flowControl.get("rk")).rateMax).toBe(3);
    } finally {
      await s2.stop();
    }
  });

  it("pause keeps the wait list; resume drains it; global parallelism counts the attempt in flight", async () => {
    await s.client.flowControl.pause("pk");
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    ep.on("/paused-fc", async () => {
      await gate;
      return { status: 200 };
    });
    await s.client.publish({ url: ep.to("/paused-fc"), body: "x", flowControl: { key: "pk", parallelism: 1 } });
    // The server itself says the message is held by the pause: nothing in flight, nothing due.
    expect(await s.waitForIdle({ timeoutMs: 5000 })).toMatchObject({ idle: true, paused: 1, inflight: 0 });
    expect(ep.at("/paused-fc")).toHaveLength(0);
    expect((await s.client.flowControl.get("pk")).waitListSize).toBe(1);
    await s.client.flowControl.resume("pk");
    await until(() => s.idleStatus().inflight === 1, 5000, "the attempt to start");
    expect((await s.client.flowControl.getGlobalParallelism()).parallelismCount).toBe(1);
    release();
    await ep.waitFor("/paused-fc");
    expect((await s.waitForIdle({ timeoutMs: 5000 })).idle).toBe(true);
    expect((await s.client.flowControl.getGlobalParallelism()).parallelismCount).toBe(0);
  });
});
