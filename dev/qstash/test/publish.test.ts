import { describe, expect, it } from "vitest";
import { ep, s, withServerAndEndpoint } from "./harness.js";
import { api, sleep, startServer, until } from "./helpers.js";

withServerAndEndpoint();

describe("publish", () => {
  it("delivers with method, forwarded headers and the QStash headers", async () => {
    const res = await s.client.publishJSON({ url: ep.to("/basic?x=1&y=two"), body: { hello: "world" }, headers: { "test-header": "v1" }, method: "PUT" });
    expect(res.messageId).toMatch(/^msg_/);
    expect(res.url).toBe(ep.to("/basic?x=1&y=two"));
    const [d] = await ep.waitFor("/basic");
    expect(d.path).toBe("/basic?x=1&y=two");
    expect(d.method).toBe("PUT");
    expect(JSON.parse(d.body)).toEqual({ hello: "world" });
    expect(d.headers["test-header"]).toBe("v1");
    expect(d.headers["content-type"]).toBe("application/json");
    expect(d.headers["user-agent"]).toBe("Upstash-QStash");
    expect(d.headers["upstash-message-id"]).toBe(res.messageId);
    expect(d.headers["upstash-retried"]).toBe("0");
    expect(d.headers["upstash-caller-ip"]).toBe("127.0.0.1");
    expect(d.headers["upstash-signature"]).toBeTruthy();
    expect(d.headers.authorization).toBeUndefined();
  });

  it("keeps '//' and encoded characters of the destination path untouched", async () => {
    const res = await s.client.publish({ url: ep.to("/raw//a%2Fb/c"), body: "x" });
    const [d] = await ep.waitFor("/raw");
    expect(d.path).toBe("/raw//a%2Fb/c");
    expect(res.url).toBe(ep.to("/raw//a%2Fb/c"));
  });

  it("stores Content-Type and forwarded headers on the message (canonical keys)", async () => {
    const res = await s.client.publish({
      url: ep.to("/get-msg"),
      body: "hi",
      delay: 3600,
      headers: { "bypass-tunnel-reminder": "1", "Content-Type": "text/plain" },
    });
    const m = await s.client.messages.get(res.messageId);
    expect(m.header).toEqual({ "Bypass-Tunnel-Reminder": ["1"], "Content-Type": ["text/plain"] });
    expect(m.body).toBe("hi");
    expect(m.maxRetries).toBe(3);
    expect(m.notBefore! - m.createdAt).toBeGreaterThanOrEqual(3_599_000);
    expect((m as any).callerIP).toBe("127.0.0.1");
    await s.client.messages.cancel(res.messageId);
  });

  it("binary bodies round-trip and are reported as bodyBase64", async () => {
    const bytes = Buffer.from([0xff, 0x00, 0xfe, 0x10]);
    const r = await fetch(`${s.url}/v2/publish/${ep.to("/bin")}`, {
      method: "POST",
      headers: { Authorization: `Bearer ${(await import("./helpers.js")).TOKEN}`, "Upstash-Delay": "1h", "Content-Type": "application/octet-stream" },
      body: bytes,
    });
    const { messageId } = await r.json();
    const m: any = await s.client.messages.get(messageId);
    expect(m.bodyBase64).toBe(bytes.toString("base64"));
    expect(m.body).toBeUndefined();
    await s.client.messages.cancel(messageId);
  });

  it("honours Upstash-Delay and Upstash-Not-Before (time-scaled)", async () => {
    const t0 = Date.now();
    const a = await s.client.publish({ url: ep.to("/delay"), body: "d", delay: 60 });
    const b = await s.client.publish({ url: ep.to("/notbefore"), body: "n", notBefore: Math.floor(Date.now() / 1000) + 30 });
    const ma = await s.client.messages.get(a.messageId);
    expect(ma.notBefore! - ma.createdAt).toBeGreaterThanOrEqual(59_000);
    await ep.waitFor("/delay");
    await ep.waitFor("/notbefore");
    expect(ep.at("/delay")[0].at - t0).toBeGreaterThanOrEqual(50); // 60 s × 0.001
    void b;
  });

  it("batch publishes several messages and reports per-item errors", async () => {
    const res = await s.client.batchJSON([
      { url: ep.to("/batch/1"), body: { n: 1 } },
      { url: ep.to("/batch/2"), body: { n: 2 }, headers: { "x-extra": "e" } },
    ]);
    expect(res).toHaveLength(2);
    expect(res.every((r: any) => r.messageId?.startsWith("msg_"))).toBe(true);
    const ds = await ep.waitFor("/batch/", 2);
    expect(ds.find((d) => d.path === "/batch/2")!.headers["x-extra"]).toBe("e");
    const raw = await api(s.url, "POST", "/v2/batch", {
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify([{ destination: "ftp://nope" }, { destination: ep.to("/batch/3"), body: "b" }]),
    });
    expect(raw.status).toBe(200);
    expect(raw.json[0].error).toMatch(/invalid/);
    expect(raw.json[1].messageId).toMatch(/^msg_/);
    await ep.waitFor("/batch/3");
  });

  it("enqueue delivers through a queue (auto-created) and rejects delays", async () => {
    const q = s.client.queue({ queueName: "auto-q" });
    const r = await q.enqueueJSON({ url: ep.to("/enq"), body: { a: 1 } });
    expect(r.messageId).toMatch(/^msg_/);
    await ep.waitFor("/enq");
    expect((await q.get()).parallelism).toBe(1);
    const bad = await api(s.url, "POST", `/v2/enqueue/auto-q/${ep.to("/enq")}`, { headers: { "Upstash-Delay": "10s" }, body: "x" });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toBeTruthy();
    await expect(q.enqueue({ url: ep.to("/enq"), body: "x", delay: 5 } as any)).rejects.toThrow();
  });

  it("URL groups fan out to every endpoint", async () => {
    await s.client.urlGroups.addEndpoints({ name: "grp", endpoints: [{ name: "one", url: ep.to("/grp/1") }, { url: ep.to("/grp/2") }] });
    const g = await s.client.urlGroups.get("grp");
    expect(g.endpoints).toHaveLength(2);
    expect((await s.client.urlGroups.list()).map((x) => x.name)).toContain("grp");
    const res: any = await s.client.publish({ urlGroup: "grp", body: "fan" });
    expect(Array.isArray(res)).toBe(true);
    expect(res).toHaveLength(2);
    const ds = await ep.waitFor("/grp/", 2);
    expect(ds.every((d) => d.headers["upstash-topic-name"] === "grp")).toBe(true);
    const m = await s.client.messages.get(res[0].messageId);
    expect(m.urlGroup).toBe("grp");
    await s.client.urlGroups.removeEndpoints({ name: "grp", endpoints: [{ name: "one" }] });
    expect((await s.client.urlGroups.get("grp")).endpoints).toHaveLength(1);
    await s.client.urlGroups.delete("grp");
    await expect(s.client.urlGroups.get("grp")).rejects.toThrow();
  });
});

describe("webhook mode", () => {
  it("qstash_token and upstash-* query params configure the message; Upstash-Header-Forward forwards all headers", async () => {
    const tok = encodeURIComponent((await import("./helpers.js")).TOKEN);
    const r = await fetch(`${s.url}/v2/publish/${ep.to("/hook/wh")}?keep=1&qstash_token=${tok}&upstash-retries=0&upstash-header-forward=true`, {
      method: "POST",
      headers: { "X-Github-Event": "push", "Content-Type": "application/json" },
      body: "{}",
    });
    expect(r.status).toBe(200);
    const { messageId, url } = await r.json();
    expect(url).toBe(ep.to("/hook/wh?keep=1"));
    const [d] = await ep.waitFor("/hook/wh");
    expect(d.path).toBe("/hook/wh?keep=1");
    expect(d.headers["x-github-event"]).toBe("push");
    expect((await s.client.messages.get(messageId)).maxRetries).toBe(0);
  });
});

describe("deduplication", () => {
  it("explicit id: second publish gets 202 with the original id and is not delivered", async () => {
    const a = await api(s.url, "POST", `/v2/publish/${ep.to("/dedup")}`, { headers: { "Upstash-Deduplication-Id": "d-1" }, body: "1" });
    const b = await api(s.url, "POST", `/v2/publish/${ep.to("/dedup")}`, { headers: { "Upstash-Deduplication-Id": "d-1" }, body: "2" });
    expect(a.status).toBe(200);
    expect(b.status).toBe(202);
    expect(b.json).toEqual({ messageId: a.json.messageId, url: ep.to("/dedup"), deduplicated: true });
    const viaSdk = await s.client.publish({ url: ep.to("/dedup"), body: "3", deduplicationId: "d-1" });
    expect(viaSdk.messageId).toBe(a.json.messageId);
    expect(viaSdk.deduplicated).toBe(true);
    await ep.waitFor("/dedup");
    expect((await s.waitForIdle({ timeoutMs: 5000 })).idle).toBe(true);
    expect(ep.at("/dedup")).toHaveLength(1);
  });

  it("content-based: same body/destination deduplicates, different body does not", async () => {
    const a = await s.client.publish({ url: ep.to("/cdedup"), body: "same", contentBasedDeduplication: true });
    const b = await s.client.publish({ url: ep.to("/cdedup"), body: "same", contentBasedDeduplication: true });
    const c = await s.client.publish({ url: ep.to("/cdedup"), body: "other", contentBasedDeduplication: true });
    expect(b.messageId).toBe(a.messageId);
    expect(b.deduplicated).toBe(true);
    expect(c.messageId).not.toBe(a.messageId);
    await ep.waitFor("/cdedup", 2);
    expect((await s.waitForIdle({ timeoutMs: 5000 })).idle).toBe(true);
    expect(ep.at("/cdedup")).toHaveLength(2);
  });

  it("ids expire after the configured window", async () => {
    const s2 = await startServer({ dedupWindowMs: 150 });
    try {
      const a = await s2.client.publish({ url: ep.to("/win"), body: "1", deduplicationId: "w" });
      await sleep(250);
      const b = await s2.client.publish({ url: ep.to("/win"), body: "1", deduplicationId: "w" });
      expect(b.messageId).not.toBe(a.messageId);
      expect(b.deduplicated).toBeFalsy();
    } finally {
      await s2.stop();
    }
  });
});

describe("messages: get and cancel", () => {
  it("cancels a single message and 404s afterwards", async () => {
    const r = await s.client.publish({ url: ep.to("/cancel1"), body: "x", delay: 3600 });
    expect(await s.client.messages.cancel(r.messageId)).toEqual({ cancelled: 1 });
    await expect(s.client.messages.cancel(r.messageId)).rejects.toMatchObject({ status: 404 });
    expect(((await s.client.messages.get(r.messageId)) as any).state).toBe("CANCELED");
  });

  it("bulk cancels by ids, by filter and all", async () => {
    const ids = await Promise.all(
      [1, 2, 3].map((i) => s.client.publish({ url: ep.to(`/bulk/${i}`), body: "x", delay: 3600, label: i === 3 ? "special" : "plain" })),
    );
    expect(await s.client.messages.cancel([ids[0].messageId])).toEqual({ cancelled: 1 });
    expect(await s.client.messages.cancel({ filter: { label: "special" } } as any)).toEqual({ cancelled: 1 });
    const more = await s.client.publish({ url: ep.to("/bulk/4"), body: "x", delay: 3600 });
    const all = await s.client.messages.cancel({ all: true } as any);
    expect(all.cancelled).toBeGreaterThanOrEqual(2);
    expect(((await s.client.messages.get(more.messageId)) as any).state).toBe("CANCELED");
    expect((await s.waitForIdle({ timeoutMs: 5000 })).idle).toBe(true);
    expect(ep.at("/bulk/")).toHaveLength(0);
  });
});

describe("bad input", () => {
  it("401 without or with a wrong token", async () => {
    expect((await api(s.url, "GET", "/v2/queues", { token: null })).status).toBe(401);
    const r = await api(s.url, "GET", "/v2/queues", { token: "nope" });
    expect(r.status).toBe(401);
    expect(r.json.error).toBeTruthy();
    expect((await api(s.url, "GET", `/v2/queues?qstash_token=${encodeURIComponent((await import("./helpers.js")).TOKEN)}`, { token: null })).status).toBe(200);
  });

  it("400 for malformed destinations, headers and expressions", async () => {
    const cases: [string, Record<string, string>][] = [
      ["/v2/publish/ftp://example.com", {}],
      ["/v2/publish/not a url", {}],
      [`/v2/publish/${ep.to("/x")}`, { "Upstash-Delay": "soon" }],
      [`/v2/publish/${ep.to("/x")}`, { "Upstash-Retries": "-1" }],
      [`/v2/publish/${ep.to("/x")}`, { "Upstash-Method": "BREW" }],
      [`/v2/publish/${ep.to("/x")}`, { "Upstash-Timeout": "abc" }],
      [`/v2/publish/${ep.to("/x")}`, { "Upstash-Retry-Delay": "process.exit(1)" }],
      [`/v2/publish/${ep.to("/x")}`, { "Upstash-Retry-Delay": "pow(2" }],
      [`/v2/publish/${ep.to("/x")}`, { "Upstash-Callback": "not-a-url" }],
      [`/v2/publish/${ep.to("/x")}`, { "Upstash-Deduplication-Id": "a:b" }],
      [`/v2/publish/${ep.to("/x")}`, { "Upstash-Flow-Control-Key": "k", "Upstash-Flow-Control-Value": "speed=fast" }],
      [`/v2/schedules/${ep.to("/x")}`, { "Upstash-Cron": "61 * * * *" }],
      [`/v2/schedules/${ep.to("/x")}`, { "Upstash-Cron": "* * * * * *" }],
      [`/v2/schedules/${ep.to("/x")}`, {}],
    ];
    for (const [path, headers] of cases) {
      const r = await api(s.url, "POST", path, { headers, body: "x" });
      expect(r.status, `${path} ${JSON.stringify(headers)}`).toBe(400);
      expect(typeof r.json.error).toBe("string");
    }
    const badJson = await api(s.url, "POST", "/v2/queues", { body: "{nope", headers: { "Content-Type": "application/json" } });
    expect(badJson.status).toBe(400);
  });

  it("404 for unknown ids and routes; the server keeps delivering", async () => {
    for (const p of [
      "/v2/messages/msg_nope",
      "/v2/queues/nope",
      "/v2/schedules/nope",
      "/v2/dlq/1-0",
      "/v2/topics/nope",
      "/v2/flowControl/nope",
      "/v2/whatever",
    ]) {
      const r = await api(s.url, "GET", p);
      expect(r.status, p).toBe(404);
      expect(r.json.error).toBeTruthy();
    }
    expect((await api(s.url, "DELETE", "/v2/messages/msg_nope")).status).toBe(404);
    expect((await api(s.url, "POST", "/v2/publish/nogroup", { body: "x" })).status).toBe(404);
    await s.client.publish({ url: ep.to("/still-alive"), body: "x" });
    await ep.waitFor("/still-alive");
  });

  it("an unreachable destination does not stall others", async () => {
    await s.client.publish({ url: "http://127.0.0.1:1/unreachable", body: "x", retries: 0 });
    await s.client.publish({ url: ep.to("/after-unreachable"), body: "x" });
    await ep.waitFor("/after-unreachable");
    await until(async () => (await s.client.dlq.listMessages()).messages.some((m) => m.url.endsWith("/unreachable")), 5000, "unreachable in DLQ");
  });
});

describe("logs / events", () => {
  it("serves /v2/events (SDK) and /v2/logs with state history and cursors", async () => {
    const r = await s.client.publish({ url: ep.to("/logged"), body: "x" });
    await ep.waitFor("/logged");
    const { logs } = await until(async () => {
      const l = await s.client.logs({ filter: { messageId: r.messageId } } as any);
      return l.logs.some((e: any) => e.state === "DELIVERED") ? l : undefined;
    });
    expect(logs.map((e: any) => e.state)).toEqual(["DELIVERED", "ACTIVE", "CREATED"]);
    expect(logs[0].body).toBe(Buffer.from("x").toString("base64"));
    const raw = await api(s.url, "GET", `/v2/logs?messageId=${r.messageId}`);
    expect(raw.json.logs).toHaveLength(3);
    expect(raw.json.events).toHaveLength(3);
    const page1 = await s.client.logs({ count: 2 });
    expect(page1.logs).toHaveLength(2);
    expect(page1.cursor).toBeTruthy();
    const page2 = await s.client.logs({ count: 2, cursor: page1.cursor } as any);
    expect(page2.logs[0].time).toBeLessThanOrEqual(page1.logs[1].time);
    const delivered = await s.client.logs({ filter: { state: "DELIVERED" } } as any);
    expect(delivered.logs.every((e: any) => e.state === "DELIVERED")).toBe(true);
  });

  it("local read-only views list recent messages", async () => {
    const j = (await api(s.url, "GET", "/_local/messages")).json;
    expect(j.messages.length).toBeGreaterThan(0);
    expect(j.messages[0]).toHaveProperty("state");
    const html = (await api(s.url, "GET", "/")).text;
    expect(html).toContain("QStash local");
  });

  it("logs one line per state change", () => {
    expect(s.logs.some((l) => / DELIVERED POST /.test(l))).toBe(true);
  });
});
