import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withTempDirs } from "./harness.js";
import { api, Endpoint, startServer, until } from "./helpers.js";

let s: Awaited<ReturnType<typeof startServer>>;
let ep: Endpoint;
const tmp = withTempDirs("qstash-correct-");

beforeAll(async () => {
  s = await startServer();
  ep = await new Endpoint().start();
  ep.on("/fail", () => ({ status: 500 }));
});
afterAll(async () => {
  await s.stop();
  await ep.stop();
});

/** A destination that holds every request until released. */
function gate(path: string) {
  let release!: () => void;
  const open = new Promise<void>((r) => (release = r));
  ep.on(path, async () => {
    await open;
    return { status: 200 };
  });
  return release;
}

async function fillDlq(n: number, label: string) {
  for (let i = 0; i < n; i++) await s.client.publish({ url: ep.to(`/fail/${label}`), body: String(i), retries: 0, label });
  await until(async () => (await s.client.dlq.listMessages({ filter: { label } })).messages.length === n, 10_000, `${n} DLQ entries`);
}

describe("unknown filter fields are refused, never read as match-all", () => {
  it("DELETE /v2/dlq?labeel=x answers 400 and deletes nothing", async () => {
    await fillDlq(2, "typo");
    const r = await api(s.url, "DELETE", "/v2/dlq?labeel=typo");
    expect(r.status).toBe(400);
    expect(r.json.error).toMatch(/unknown filter field: labeel/);
    expect((await s.client.dlq.listMessages({ filter: { label: "typo" } })).messages).toHaveLength(2);
  });

  it("GET /v2/dlq, DELETE /v2/messages, GET /v2/events, POST /v2/dlq/retry and GET /v2/flowControl refuse them too", async () => {
    const release = gate("/held-typo");
    await s.client.queue({ queueName: "typo-q" }).upsert({ parallelism: 1, paused: true });
    await s.client.queue({ queueName: "typo-q" }).enqueue({ url: ep.to("/held-typo"), body: "x" });
    for (const [method, path] of [
      ["GET", "/v2/dlq?labeel=x"],
      ["DELETE", "/v2/messages?labeel=x"],
      ["DELETE", "/v2/messages?all=yes"],
      ["GET", "/v2/events?labeel=x"],
      ["GET", "/v2/logs?stat=DELIVERED"],
      ["POST", "/v2/dlq/retry?labeel=x"],
      ["GET", "/v2/flowControl?serch=x"],
    ] as const) {
      const r = await api(s.url, method, path);
      expect(r.status, `${method} ${path}`).toBe(400);
    }
    // Nothing was cancelled or retried by the refused calls.
    expect((await s.client.queue({ queueName: "typo-q" }).get()).lag).toBe(1);
    expect((await s.client.dlq.listMessages({ filter: { label: "typo" } })).messages).toHaveLength(2);
    await s.client.queue({ queueName: "typo-q" }).delete();
    release();
  });

  it("the official client's filtered calls still work", async () => {
    const list = await s.client.dlq.listMessages({ filter: { label: "typo", url: ep.to("/fail/typo") }, count: 1 });
    expect(list.messages).toHaveLength(1);
    expect(list.cursor).toBeTruthy();
    const logs = await s.client.logs({ filter: { state: "FAILED", label: "typo" }, count: 10 });
    expect(logs.logs.length).toBeGreaterThan(0);
    expect(await s.client.dlq.delete({ filter: { label: "typo" } })).toMatchObject({ deleted: 2 });
  });
});

describe("bulk cancel honours count", () => {
  it("DELETE /v2/messages?all=true&count=1 cancels at most one; the client's {all, count} likewise", async () => {
    const q = s.client.queue({ queueName: "count-q" });
    await q.upsert({ parallelism: 1, paused: true });
    for (let i = 0; i < 4; i++) await q.enqueue({ url: ep.to("/count"), body: String(i) });
    expect((await api(s.url, "DELETE", "/v2/messages?all=true&count=1")).json).toEqual({ cancelled: 1 });
    expect((await q.get()).lag).toBe(3);
    expect(await s.client.messages.cancel({ all: true, count: 2 })).toEqual({ cancelled: 2 });
    expect((await q.get()).lag).toBe(1);
    expect(await s.client.messages.cancel({ filter: { queueName: "count-q" } })).toEqual({ cancelled: 1 });
    expect((await q.get()).lag).toBe(0);
    await q.delete();
  });
});

describe("each message is counted once", () => {
  it("a message whose attempt is in flight is cancelled by the first cancel only", async () => {
    const release = gate("/slow-cancel");
    const { messageId } = await s.client.publish({ url: ep.to("/slow-cancel"), body: "x" });
    await until(() => s.idleStatus().inflight === 1, 5000, "the attempt to start");
    expect((await api(s.url, "DELETE", "/v2/messages?all=true")).json).toEqual({ cancelled: 1 });
    expect((await api(s.url, "DELETE", "/v2/messages?all=true")).json).toEqual({ cancelled: 0 });
    expect(await s.client.messages.cancel({ all: true })).toEqual({ cancelled: 0 });
    expect(await s.client.messages.cancel([messageId])).toEqual({ cancelled: 0 });
    expect(await s.client.messages.cancel(messageId)).toEqual({ cancelled: 0 });
    release();
    await s.waitForIdle({ timeoutMs: 5000 });
  });
});

describe("limits bound the in-memory state", () => {
  it("refuses a queue, schedule or URL group beyond its limit (412) and a message beyond the unfinished limit (429)", async () => {
    const s2 = await startServer({ limits: { maxQueues: 1, maxSchedules: 1, maxTopics: 1, maxUnfinished: 2 } });
    try {
      await s2.client.queue({ queueName: "q1" }).upsert({ parallelism: 1, paused: true });
      await s2.client.queue({ queueName: "q1" }).upsert({ parallelism: 2, paused: true }); // changing one is fine
      await expect(s2.client.queue({ queueName: "q2" }).upsert({ parallelism: 1 })).rejects.toMatchObject({ status: 412 });
      await expect(s2.client.queue({ queueName: "q3" }).enqueue({ url: ep.to("/x"), body: "x" })).rejects.toMatchObject({ status: 412 });
      await s2.client.schedules.create({ destination: ep.to("/s"), cron: "0 0 * * *", scheduleId: "s1" });
      await s2.client.schedules.create({ destination: ep.to("/s"), cron: "0 1 * * *", scheduleId: "s1" });
      await expect(s2.client.schedules.create({ destination: ep.to("/s"), cron: "0 0 * * *" })).rejects.toMatchObject({ status: 412 });
      await s2.client.urlGroups.addEndpoints({ name: "g1", endpoints: [{ url: ep.to("/g") }] });
      await expect(s2.client.urlGroups.addEndpoints({ name: "g2", endpoints: [{ url: ep.to("/g") }] })).rejects.toMatchObject({ status: 412 });
      const q = s2.client.queue({ queueName: "q1" });
      await q.enqueue({ url: ep.to("/lim"), body: "1" });
      await q.enqueue({ url: ep.to("/lim"), body: "2" });
      await expect(q.enqueue({ url: ep.to("/lim"), body: "3" })).rejects.toMatchObject({ status: 429 });
      await expect(s2.client.publish({ url: ep.to("/lim"), body: "4" })).rejects.toMatchObject({ status: 429 });
    } finally {
      await s2.stop();
    }
  });

  it("keeps the newest DLQ entries within maxDlq, and dedup ids within maxDedup", async () => {
    const s2 = await startServer({ limits: { maxDlq: 2, maxDedup: 2 } });
    try {
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) ids.push((await s2.client.publish({ url: ep.to("/fail/evict"), body: String(i), retries: 0 })).messageId);
      await s2.waitForIdle({ timeoutMs: 10_000 });
      const left = (await s2.client.dlq.listMessages()).messages.map((m) => m.messageId);
      expect(left).toEqual(ids.slice(1));
      for (const d of ["a", "b", "c"]) await s2.client.publish({ url: ep.to("/dd"), body: d, deduplicationId: d });
      const stats = await api(s2.url, "GET", "/_local/stats");
      expect(stats.json).toMatchObject({ dedupIds: 2, dedupEvictedEarly: 1 });
    } finally {
      await s2.stop();
    }
  });
});

describe("durability of acknowledgements (journal)", () => {
  it("two concurrent publishes with one dedup id make one message", async () => {
    const s2 = await startServer({ dataDir: tmp() });
    try {
      const [a, b] = await Promise.all([
        s2.client.publish({ url: ep.to("/dedup-race"), body: "x", deduplicationId: "same" }),
        s2.client.publish({ url: ep.to("/dedup-race"), body: "x", deduplicationId: "same" }),
      ]);
      expect(a.messageId).toBe(b.messageId);
      expect([a.deduplicated, b.deduplicated].filter(Boolean)).toHaveLength(1);
      await s2.waitForIdle({ timeoutMs: 10_000 });
      expect(ep.at("/dedup-race")).toHaveLength(1);
    } finally {
      await s2.stop();
    }
  });

  it("answers a queue, schedule, dedup or DLQ change only after the journal is fsynced", async () => {
    const held: (() => void)[] = [];
    let calls = 0;
    let hold = false;
    const s2 = await startServer({
      dataDir: tmp(),
      fsync: (fd) =>
        new Promise<void>((resolve, reject) => {
          calls++;
          const go = () => import("node:fs").then((fs) => fs.fdatasync(fd, (e) => (e ? reject(e) : resolve())));
          if (hold) held.push(go);
          else void go();
        }),
    });
    try {
      await s2.client.publish({ url: ep.to("/fail/durable"), body: "x", retries: 0 });
      await s2.waitForIdle({ timeoutMs: 10_000 });
      const [entry] = (await s2.client.dlq.listMessages()).messages;
      const changes: [string, () => Promise<unknown>][] = [
        ["queue upsert", () => s2.client.queue({ queueName: "dq" }).upsert({ parallelism: 3 })],
        ["queue pause", () => s2.client.queue({ queueName: "dq" }).pause()],
        ["schedule create", () => s2.client.schedules.create({ destination: ep.to("/s"), cron: "0 0 * * *", scheduleId: "ds" })],
        ["schedule delete", () => s2.client.schedules.delete("ds")],
        ["dlq delete", () => s2.client.dlq.delete(entry.dlqId)],
      ];
      for (const [what, change] of changes) {
        hold = true;
        const before = calls;
        let answered = false;
        const p = change().then(() => (answered = true));
        // The server reached the disk barrier for this change, and waits on it: no answer yet.
        await until(() => calls > before, 5000, `${what} to fsync`);
        expect(answered, what).toBe(false);
        hold = false;
        for (const go of held.splice(0)) go();
        await p;
        expect(answered, what).toBe(true);
      }
    } finally {
      hold = false;
      for (const go of held.splice(0)) go();
      await s2.stop();
    }
  });

  it("a cancel of an in-flight attempt survives a restart: the message is not delivered again", async () => {
    const dir = tmp();
    const release = gate("/cancel-restart");
    let s2 = await startServer({ dataDir: dir });
    const { messageId } = await s2.client.publish({ url: ep.to("/cancel-restart"), body: "x" });
    await until(() => s2.idleStatus().inflight === 1, 5000, "the attempt to start");
    expect(await s2.client.messages.cancel(messageId)).toEqual({ cancelled: 1 });
    // Stopping aborts the in-flight attempt without an outcome, as a crash would.
    await s2.stop();
    release();
    // The destination saw the one aborted attempt.
    await ep.waitFor("/cancel-restart", 1);
    s2 = await startServer({ dataDir: dir });
    try {
      expect(await s2.waitForIdle({ timeoutMs: 5000 })).toMatchObject({ idle: true, delayed: 0 });
      expect((await s2.client.messages.get(messageId)) as unknown).toMatchObject({ state: "CANCELED" });
      expect(ep.at("/cancel-restart")).toHaveLength(1);
    } finally {
      await s2.stop();
    }
  });
});
