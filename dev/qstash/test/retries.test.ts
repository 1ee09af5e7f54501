import { Receiver } from "@upstash/qstash";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, Endpoint, KEYS, startServer, until } from "./helpers.js";

let s: Awaited<ReturnType<typeof startServer>>;
let ep: Endpoint;

beforeAll(async () => {
  s = await startServer();
  ep = await new Endpoint().start();
  ep.on("/fail", () => ({ status: 500, body: "boom", headers: { "x-why": "because" } }));
});
afterAll(async () => {
  await s.stop();
  await ep.stop();
});

async function retryEvents(messageId: string) {
  const { logs } = await s.client.logs({ filter: { messageId } } as any);
  return logs.filter((e: any) => e.state === "RETRY").reverse();
}

describe("retries", () => {
  it("retries exactly Upstash-Retries times with increasing Upstash-Retried, then FAILED → DLQ", async () => {
    const r = await s.client.publish({ url: ep.to("/fail/count"), body: "x", retries: 2 });
    const ds = await ep.waitFor("/fail/count", 3);
    expect(ds.map((d) => d.headers["upstash-retried"])).toEqual(["0", "1", "2"]);
    await until(async () => ((await s.client.messages.get(r.messageId)) as any).state === "FAILED", 5000, "FAILED");
    await new Promise((res) => setTimeout(res, 100));
    expect(ep.at("/fail/count")).toHaveLength(3);
    const dlq = await s.client.dlq.listMessages({ filter: { url: ep.to("/fail/count") } } as any);
    expect(dlq.messages).toHaveLength(1);
    const e: any = dlq.messages[0];
    expect(e.messageId).toBe(r.messageId);
    expect(e.responseStatus).toBe(500);
    expect(e.responseBody).toBe("boom");
    expect(e.responseHeader["X-Why"]).toEqual(["because"]);
    expect(e.maxRetries).toBe(2);
  });

  it("default backoff is min(86400, e^(2.5n)) seconds (reported unscaled)", async () => {
    const r = await s.client.publish({ url: ep.to("/fail/backoff"), body: "x", retries: 3 });
    await ep.waitFor("/fail/backoff", 4);
    const evs = await until(async () => {
      const e = await retryEvents(r.messageId);
      return e.length === 3 ? e : undefined;
    });
    const waits = evs.map((e: any) => e.nextDeliveryTime - e.time);
    [1, 2, 3].forEach((n, i) => {
      expect(Math.abs(waits[i] - Math.exp(2.5 * n) * 1000)).toBeLessThan(50);
    });
  });

  it("Upstash-Retry-Delay expression decides the wait", async () => {
    const r = await s.client.publish({ url: ep.to("/fail/expr"), body: "x", retries: 3, retryDelay: "1000 * pow(2, retried) + max(0, 5)" });
    await ep.waitFor("/fail/expr", 4);
    const evs = await until(async () => {
      const e = await retryEvents(r.messageId);
      return e.length === 3 ? e : undefined;
    });
    const waits = evs.map((e: any) => e.nextDeliveryTime - e.time);
    [1005, 2005, 4005].forEach((w, i) => {
      expect(Math.abs(waits[i] - w)).toBeLessThan(20);
    });
    expect((await s.client.messages.get(r.messageId)).retryDelayExpression).toBe("1000 * pow(2, retried) + max(0, 5)");
  });

  it("Retry-After and X-RateLimit-Reset from the destination win", async () => {
    ep.on("/fail/ra", () => ({ status: 429, headers: { "Retry-After": "7" } }));
    ep.on("/fail/rl", () => ({ status: 503, headers: { "X-RateLimit-Reset-Requests": "1m30s" } }));
    ep.on("/fail/huge", () => ({ status: 503, headers: { "Retry-After": "999999" } }));
    const a = await s.client.publish({ url: ep.to("/fail/ra"), body: "x", retries: 1 });
    const b = await s.client.publish({ url: ep.to("/fail/rl"), body: "x", retries: 1 });
    const c = await s.client.publish({ url: ep.to("/fail/huge"), body: "x", retries: 1 });
    await ep.waitFor("/fail/ra", 2);
    await ep.waitFor("/fail/rl", 2);
    await ep.waitFor("/fail/huge", 2);
    const wait = async (id: string) => {
      const [e]: any = await until(async () => {
        const x = await retryEvents(id);
        return x.length ? x : undefined;
      });
      return e.nextDeliveryTime - e.time;
    };
    expect(Math.abs((await wait(a.messageId)) - 7000)).toBeLessThan(20);
    expect(Math.abs((await wait(b.messageId)) - 90_000)).toBeLessThan(20);
    expect(Math.abs((await wait(c.messageId)) - Math.exp(2.5) * 1000)).toBeLessThan(50); // > 1 day: ignored
  });

  it("489 + Upstash-NonRetryable-Error goes straight to the DLQ", async () => {
    ep.on("/fail/489", () => ({ status: 489, headers: { "Upstash-NonRetryable-Error": "true" }, body: "nope" }));
    const r = await s.client.publish({ url: ep.to("/fail/489"), body: "x", retries: 3 });
    await until(async () => ((await s.client.messages.get(r.messageId)) as any).state === "FAILED", 5000, "FAILED");
    expect(ep.at("/fail/489")).toHaveLength(1);
    const dlq = await s.client.dlq.listMessages({ filter: { responseStatus: 489 } } as any);
    expect(dlq.messages.map((m) => m.messageId)).toContain(r.messageId);
    // 489 without the header is an ordinary failure
    ep.on("/fail/489plain", () => ({ status: 489 }));
    await s.client.publish({ url: ep.to("/fail/489plain"), body: "x", retries: 1 });
    await ep.waitFor("/fail/489plain", 2);
  });

  it("Upstash-Timeout aborts slow attempts", async () => {
    ep.on("/slow", () => ({ delayMs: 1500 }));
    const r = await s.client.publish({ url: ep.to("/slow"), body: "x", retries: 0, timeout: "200ms" as any });
    const m: any = await until(
      async () => {
        const x: any = await s.client.messages.get(r.messageId);
        return x.state === "FAILED" ? x : undefined;
      },
      5000,
      "timeout FAILED",
    );
    expect(m.state).toBe("FAILED");
    const { logs } = await s.client.logs({ filter: { messageId: r.messageId, state: "ERROR" } } as any);
    expect(logs[0].error).toMatch(/timed out/);
  });
});

describe("DLQ", () => {
  it("get, delete, retry (single and bulk), filters and cursors", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++)
      ids.push((await s.client.publish({ url: ep.to(`/fail/dlq/${i}`), body: `b${i}`, retries: 0, label: i < 2 ? "lbl" : undefined })).messageId);
    const list = await until(async () => {
      const l = await s.client.dlq.listMessages({ filter: { url: ids.map((_, i) => ep.to(`/fail/dlq/${i}`)) } } as any);
      return l.messages.length === 5 ? l : undefined;
    });
    const dlqIds = list.messages.map((m) => m.dlqId);
    // cursor paging
    const p1 = await s.client.dlq.listMessages({ count: 2 });
    expect(p1.messages).toHaveLength(2);
    expect(p1.cursor).toBeTruthy();
    const p2 = await s.client.dlq.listMessages({ count: 2, cursor: p1.cursor });
    expect(p2.messages[0].dlqId).not.toBe(p1.messages[1].dlqId);
    // label filter
    const lbl = await s.client.dlq.listMessages({ filter: { label: "lbl" } } as any);
    expect(lbl.messages).toHaveLength(2);
    // get one
    const one = await api(s.url, "GET", `/v2/dlq/${dlqIds[0]}`);
    expect(one.json.dlqId).toBe(dlqIds[0]);
    // delete one (and 404 the second time)
    await s.client.dlq.delete(dlqIds[0]);
    await expect(s.client.dlq.delete(dlqIds[0])).rejects.toThrow();
    // retry one: a new message with a new id, delivered (now succeeding), DLQ entry gone
    ep.on("/fail/dlq/1", () => ({ status: 200 }));
    const retried = await s.client.dlq.retry(dlqIds[1]);
    expect(retried.responses).toHaveLength(1);
    const newId = retried.responses[0].messageId;
    expect(newId).not.toBe(ids[1]);
    await until(async () => ((await s.client.messages.get(newId)) as any).state === "DELIVERED", 5000, "retried delivered");
    expect(ep.at("/fail/dlq/1").at(-1)!.body).toBe("b1");
    await expect(api(s.url, "GET", `/v2/dlq/${dlqIds[1]}`)).resolves.toMatchObject({ status: 404 });
    // bulk retry with Upstash-Retries override via raw API
    const bulk = await api(s.url, "POST", `/v2/dlq/retry?dlqIds=${dlqIds[2]}&dlqIds=${dlqIds[3]}`, { headers: { "Upstash-Retries": "0" } });
    expect(bulk.json.responses).toHaveLength(2);
    // bulk delete by filter
    const del = await s.client.dlq.delete({ dlqIds: [dlqIds[4]] });
    expect(del.deleted).toBe(1);
  });
});

describe("callbacks", () => {
  const rec = new Receiver(KEYS);

  it("callback after a successful delivery carries the documented body and is signed for the callback URL", async () => {
    ep.on("/cb/ok", () => ({ status: 201, body: "created!", headers: { "x-resp": "r" } }));
    const r = await s.client.publish({ url: ep.to("/cb/ok"), body: "src", callback: ep.to("/callback/1"), headers: { "x-src": "s" } });
    const [cb] = await ep.waitFor("/callback/1");
    const body = JSON.parse(cb.body);
    expect(body.status).toBe(201);
    expect(Buffer.from(body.body, "base64").toString()).toBe("created!");
    expect(body.header["X-Resp"]).toEqual(["r"]);
    expect(body.sourceMessageId).toBe(r.messageId);
    expect(body.url).toBe(ep.to("/cb/ok"));
    expect(body.method).toBe("POST");
    expect(Buffer.from(body.sourceBody, "base64").toString()).toBe("src");
    expect(body.sourceHeader["X-Src"]).toEqual(["s"]);
    expect(body.retried).toBe(0);
    expect(body.maxRetries).toBe(3);
    expect(typeof body.createdAt).toBe("number");
    expect(cb.headers["content-type"]).toBe("application/json");
    await expect(rec.verify({ signature: cb.headers["upstash-signature"] as string, body: cb.body, url: ep.to("/callback/1") })).resolves.toBe(true);
  });

  it("callback after every attempt and a failure callback (with dlqId) once at the end", async () => {
    const r = await s.client.publish({
      url: ep.to("/fail/cb"),
      body: "src",
      retries: 1,
      callback: ep.to("/callback/each"),
      failureCallback: ep.to("/fcb-sink"),
      headers: { "Upstash-Failure-Callback-Forward-X-Extra": "fx" },
    });
    const cbs = await ep.waitFor("/callback/each", 2);
    expect(cbs.map((c) => JSON.parse(c.body).retried).sort()).toEqual([0, 1]);
    const [fcb] = await ep.waitFor("/fcb-sink");
    const body = JSON.parse(fcb.body);
    expect(body.status).toBe(500);
    expect(body.sourceMessageId).toBe(r.messageId);
    expect(body.dlqId).toMatch(/^\d+-\d+$/);
    expect(fcb.headers["x-extra"]).toBe("fx");
    const dlqEntry = await api(s.url, "GET", `/v2/dlq/${body.dlqId}`);
    expect(dlqEntry.json.messageId).toBe(r.messageId);
    await new Promise((res) => setTimeout(res, 100));
    expect(ep.at("/fcb-sink")).toHaveLength(1);
  });

  it("a successful message never triggers its failure callback", async () => {
    await s.client.publish({ url: ep.to("/cb/fine"), body: "x", failureCallback: ep.to("/fcb-never") });
    await ep.waitFor("/cb/fine");
    await new Promise((res) => setTimeout(res, 150));
    expect(ep.at("/fcb-never")).toHaveLength(0);
  });
});
