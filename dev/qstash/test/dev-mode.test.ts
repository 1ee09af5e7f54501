import { Client, Receiver } from "@upstash/qstash";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEV_USER_1, DEV_USERS } from "../dev-users.js";
import { api, Endpoint, startServer } from "./helpers.js";

let s: Awaited<ReturnType<typeof startServer>>;
let ep: Endpoint;
const saved = { dev: process.env.QSTASH_DEV, port: process.env.QSTASH_DEV_PORT };

beforeAll(async () => {
  s = await startServer();
  ep = await new Endpoint().start();
});
afterAll(async () => {
  process.env.QSTASH_DEV = saved.dev;
  process.env.QSTASH_DEV_PORT = saved.port;
  if (saved.dev === undefined) delete process.env.QSTASH_DEV;
  if (saved.port === undefined) delete process.env.QSTASH_DEV_PORT;
  await s.stop();
  await ep.stop();
});

describe("SDK dev mode (QSTASH_DEV=true)", () => {
  it("GET /v2/keys with the dev token returns the published user-1 keys", async () => {
    const r = await api(s.url, "GET", "/v2/keys", { token: DEV_USER_1.token });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ current: DEV_USER_1.current, next: DEV_USER_1.next });
    for (const u of DEV_USERS) expect((await api(s.url, "GET", "/v2/keys", { token: u.token })).status).toBe(200);
    expect((await api(s.url, "GET", "/v2/keys", { token: "x" })).status).toBe(401);
  });

  it("the SDK probe finds this server (no download) and publishes/verifies with no config", async () => {
    process.env.QSTASH_DEV = "true";
    process.env.QSTASH_DEV_PORT = String(s.port);
    const logs: string[] = [];
    const orig = console.log;
    console.log = (...a: unknown[]) => void logs.push(a.join(" "));
    try {
      const client = new Client();
      const r = await client.publishJSON({ url: ep.to("/devmode"), body: { dev: true } });
      expect(r.messageId).toMatch(/^msg_/);
      const [d] = await ep.waitFor("/devmode");
      const receiver = new Receiver();
      await expect(receiver.verify({ signature: d.headers["upstash-signature"] as string, body: d.body })).resolves.toBe(true);
    } finally {
      console.log = orig;
    }
    expect(logs.join("\n")).toMatch(/already running/i);
  });
});
