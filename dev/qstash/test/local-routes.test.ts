import { describe, expect, it } from "vitest";
import { waitForQstashIdle } from "../idle.js";
import { ep, s, withServerAndEndpoint } from "./harness.js";
import { api, startServer, TOKEN } from "./helpers.js";

withServerAndEndpoint();

describe("/_local routes", () => {
  it("need the token, like every API route", async () => {
    for (const path of ["/", "/_local/messages", "/_local/stats", "/_local/idle"]) {
      expect((await api(s.url, "GET", path, { token: null })).status, path).toBe(401);
      expect((await api(s.url, "GET", path, { token: "not-a-dev-token" })).status, path).toBe(401);
      expect((await api(s.url, "GET", path)).status, path).toBe(200);
    }
    const page = await fetch(`${s.url}/?qstash_token=${encodeURIComponent(TOKEN)}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("QStash local");
  });
});

describe("idle signal", () => {
  it("is busy while a delivery is in flight or due, idle once drained; delayed messages do not block it", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    ep.on("/slow", async () => {
      await gate;
      return { status: 200 };
    });
    expect(s.idleStatus()).toMatchObject({ inflight: 0, due: 0, idle: true });

    await s.client.publish({ url: ep.to("/slow"), body: "a" });
    const q = s.client.queue({ queueName: "idle-q" });
    await q.upsert({ parallelism: 1 });
    await q.enqueue({ url: ep.to("/slow"), body: "b" });
    await q.enqueue({ url: ep.to("/slow"), body: "c" });
    // A delayed message far in the future (timeScale 0.001 → 100 s): waiting, not due.
    await s.client.publish({ url: ep.to("/later"), body: "d", delay: 100_000 });

    const busy = await api(s.url, "GET", "/_local/idle");
    expect(busy.json).toMatchObject({ inflight: 2, due: 1, delayed: 1, idle: false });

    // The long-poll answers only when the gate opens and both queues drain.
    const poll = api(s.url, "GET", "/_local/idle?wait=20000");
    let answered = false;
    void poll.then(() => (answered = true));
    const stillBusy = await s.waitForIdle({ timeoutMs: 50 });
    expect(stillBusy.idle).toBe(false);
    expect(answered).toBe(false);
    release();
    const done = await poll;
    expect(done.json).toMatchObject({ inflight: 0, due: 0, delayed: 1, idle: true });
    expect(ep.at("/slow")).toHaveLength(3);
    expect(ep.at("/later")).toHaveLength(0);
  });

  it("counts a paused queue's messages as paused, not due", async () => {
    const q = s.client.queue({ queueName: "idle-paused" });
    await q.upsert({ parallelism: 1, paused: true });
    await q.enqueue({ url: ep.to("/paused"), body: "x" });
    expect(s.idleStatus()).toMatchObject({ paused: 1, due: 0, idle: true });
    await q.resume();
    const st = await s.waitForIdle({ timeoutMs: 10_000 });
    expect(st).toMatchObject({ paused: 0, idle: true });
    expect(ep.at("/paused")).toHaveLength(1);
  });

  it("waitForQstashIdle (HTTP) resolves on a drained server and throws with the counts on a busy one", async () => {
    await expect(waitForQstashIdle(s.url, TOKEN, { timeoutMs: 5000 })).resolves.toMatchObject({ idle: true });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    ep.on("/held", async () => {
      await gate;
      return { status: 200 };
    });
    await s.client.publish({ url: ep.to("/held"), body: "x" });
    await expect(waitForQstashIdle(s.url, TOKEN, { timeoutMs: 100 })).rejects.toThrow(/"inflight":1/);
    release();
    await waitForQstashIdle(s.url, TOKEN, { timeoutMs: 10_000 });
    expect(ep.at("/held")).toHaveLength(1);
  });
});

describe("duplicate delivery fault switch", () => {
  it("is off by default: one delivery per message", async () => {
    const r = await s.client.publish({ url: ep.to("/once"), body: "x" });
    await s.waitForIdle({ timeoutMs: 10_000 });
    expect(ep.at("/once").map((d) => d.headers["upstash-message-id"])).toEqual([r.messageId]);
  });

  for (const mode of ["after", "concurrent"] as const) {
    it(`rate 1 (${mode}) delivers every message twice with the same id; the message ends delivered once`, async () => {
      const s2 = await startServer({ duplicateRate: 1, duplicateMode: mode });
      try {
        const path = `/dup-${mode}`;
        let concurrent = 0;
        let maxConcurrent = 0;
        ep.on(path, async () => {
          maxConcurrent = Math.max(maxConcurrent, ++concurrent);
          await new Promise((r) => setTimeout(r, 30));
          concurrent--;
          return { status: 200 };
        });
        const r = await s2.client.publish({ url: ep.to(path), body: "x" });
        const st = await s2.waitForIdle({ timeoutMs: 10_000 });
        expect(st.idle).toBe(true);
        expect(ep.at(path).map((d) => d.headers["upstash-message-id"])).toEqual([r.messageId, r.messageId]);
        expect(maxConcurrent).toBe(mode === "concurrent" ? 2 : 1);
        expect((await s2.client.messages.get(r.messageId)) as unknown).toMatchObject({ state: "DELIVERED" });
        expect(s2.logs.some((l) => l.includes(`${r.messageId} duplicate delivery`))).toBe(true);
      } finally {
        await s2.stop();
      }
    });
  }

  it("a fractional rate duplicates exactly the messages its random draw picks", async () => {
    const draws = [0.01, 0.9, 0.04, 0.5];
    let i = 0;
    const s2 = await startServer({ duplicateRate: 0.05, random: () => draws[i++ % draws.length] });
    try {
      for (let n = 0; n < 4; n++) await s2.client.publish({ url: ep.to(`/frac/${n}`), body: String(n) });
      await s2.waitForIdle({ timeoutMs: 10_000 });
      expect([0, 1, 2, 3].map((n) => ep.at(`/frac/${n}`).length)).toEqual([2, 1, 2, 1]);
    } finally {
      await s2.stop();
    }
  });
});
