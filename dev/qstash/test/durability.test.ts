import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Client } from "@upstash/qstash";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withTempDirs } from "./harness.js";
import { Endpoint, sleep, startServer, TOKEN, until } from "./helpers.js";

let ep: Endpoint;
const tmp = withTempDirs("qstash-local-");

beforeAll(async () => {
  ep = await new Endpoint().start();
});
const spawned: ChildProcess[] = [];
afterAll(async () => {
  for (const c of spawned) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  await ep.stop();
});

function spawnCli(dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  const root = resolve(__dirname, "../../..");
  // One process (no tsx wrapper), so SIGKILL really kills the server and nothing keeps running.
  const child = spawn(process.execPath, ["--import", "tsx", join(root, "dev/qstash/main.ts"), "--port", "0", "--data-dir", dataDir], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
  });
  spawned.push(child);
  return new Promise((res, rej) => {
    let out = "";
    const t = setTimeout(() => rej(new Error(`CLI did not start: ${out}`)), 20_000);
    child.stdout!.on("data", (c) => {
      out += c;
      const m = /running at (http:\/\/\S+)/i.exec(out);
      if (m) {
        clearTimeout(t);
        res({ child, url: m[1] });
      }
    });
    child.stderr!.on("data", (c) => (out += c));
    child.on("exit", (code) => rej(new Error(`CLI exited ${code}: ${out}`)));
  });
}

describe("durability", () => {
  it("graceful stop/restart keeps messages, queues, schedules and the DLQ", async () => {
    const dir = tmp();
    let s = await startServer({ dataDir: dir });
    const q = s.client.queue({ queueName: "durable-q" });
    await q.upsert({ parallelism: 1, paused: true });
    for (let i = 0; i < 5; i++) await q.enqueue({ url: ep.to("/dq"), body: String(i) });
    const delayed = await s.client.publish({ url: ep.to("/delayed"), body: "later", delay: 3600 });
    const { scheduleId } = await s.client.schedules.create({ destination: ep.to("/dsched"), cron: "0 0 * * *", body: "s" });
    ep.on("/dfail", () => ({ status: 500 }));
    await s.client.publish({ url: ep.to("/dfail"), body: "f", retries: 0 });
    await until(async () => (await s.client.dlq.listMessages()).messages.length === 1, 5000, "dlq");
    await s.client.publish({ url: ep.to("/dd"), body: "d", deduplicationId: "persisted-dedup" });
    await s.stop();

    s = await startServer({ dataDir: dir });
    try {
      const q2 = s.client.queue({ queueName: "durable-q" });
      expect(await q2.get()).toMatchObject({ paused: true, lag: 5 });
      expect(((await s.client.messages.get(delayed.messageId)) as any).state).toBe("CREATED");
      expect((await s.client.schedules.get(scheduleId)).body).toBe("s");
      expect((await s.client.dlq.listMessages()).messages).toHaveLength(1);
      const dup = await s.client.publish({ url: ep.to("/dd"), body: "d", deduplicationId: "persisted-dedup" });
      expect(dup.deduplicated).toBe(true);
      await q2.resume();
      const ds = await ep.waitFor("/dq", 5);
      expect(ds.map((d) => d.body)).toEqual(["0", "1", "2", "3", "4"]);
    } finally {
      await s.stop();
    }
  });

  it("a SIGKILLed server loses no accepted message; in-flight attempts are retried", async () => {
    const dir = tmp();
    const { child, url } = await spawnCli(dir);
    let release!: () => void;
    const hung = new Promise<void>((r) => (release = r));
    let calls = 0;
    ep.on("/inflight", async () => {
      if (calls++ === 0) await hung; // first attempt never completes before the kill
      return { status: 200 };
    });
    const client = new Client({ baseUrl: url, token: TOKEN, retry: false });
    const a = await client.publish({ url: ep.to("/crash-delayed"), body: "survivor", delay: 2 });
    const b = await client.publish({ url: ep.to("/inflight"), body: "in flight" });
    await until(() => calls === 1, 5000, "attempt in flight");
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGKILL");
    await exited;
    expect(() => process.kill(child.pid!, 0)).toThrow(); // really gone
    release();
    expect(readFileSync(join(dir, "journal.jsonl"), "utf8")).toContain(a.messageId);

    const s = await startServer({ dataDir: dir });
    try {
      const [d] = await ep.waitFor("/crash-delayed", 1, 15_000);
      expect(d.body).toBe("survivor");
      expect(d.headers["upstash-message-id"]).toBe(a.messageId);
      const ds = await ep.waitFor("/inflight", 2, 15_000);
      expect(ds.at(-1)!.headers["upstash-message-id"]).toBe(b.messageId);
      await until(async () => ((await s.client.messages.get(b.messageId)) as any).state === "DELIVERED", 5000, "delivered after restart");
    } finally {
      await s.stop();
    }
  }, 60_000);

  it("compaction keeps the journal bounded without losing pending messages", async () => {
    const dir = tmp();
    let s = await startServer({ dataDir: dir, compactMinLines: 40 });
    const keep = await s.client.publish({ url: ep.to("/compact-keep"), body: "k", delay: 3600 });
    for (let i = 0; i < 60; i++) await s.client.publish({ url: ep.to("/compact"), body: String(i) });
    await ep.waitFor("/compact", 60);
    await sleep(50);
    const lines = readFileSync(join(dir, "journal.jsonl"), "utf8").split("\n").filter(Boolean).length;
    expect(lines).toBeLessThan(125); // 60 accepts + 60 finishes + keys would be 124+ without compaction
    await s.stop();
    s = await startServer({ dataDir: dir });
    try {
      expect(((await s.client.messages.get(keep.messageId)) as any).state).toBe("CREATED");
      await expect(s.client.messages.get("msg_unknown")).rejects.toThrow();
    } finally {
      await s.stop();
    }
  });
});
