import { Receiver } from "@upstash/qstash";
import { verifySignatureAppRouter } from "@upstash/qstash/nextjs";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { DEV_USERS } from "../dev-users.js";
import { signJwt } from "../signature.js";
import { api, Endpoint, KEYS, startServer } from "./helpers.js";

let s: Awaited<ReturnType<typeof startServer>>;
let ep: Endpoint;
const receiver = new Receiver(KEYS);
let appCalls = 0;

beforeAll(async () => {
  s = await startServer();
  ep = await new Endpoint().start();
  // A Next.js App Router handler wrapped exactly as an app would do it.
  const handler = verifySignatureAppRouter(async (req: Request) => {
    appCalls++;
    return new Response(`handled ${(await req.text()).length}`, { status: 200 });
  }, KEYS);
  ep.on("/app", async (d, req) => {
    const r = new Request(ep.url + d.path, { method: d.method, headers: req.headers as Record<string, string>, body: d.method === "GET" ? undefined : d.body });
    return handler(r as any, undefined as any);
  });
});
afterAll(async () => {
  await s.stop();
  await ep.stop();
});
afterEach(() => {
  vi.useRealTimers();
});

const decode = (jwt: string) => JSON.parse(Buffer.from(jwt.split(".")[1], "base64url").toString());

describe("Upstash-Signature", () => {
  it("is an HS256 JWT with all seven claims that the official Receiver accepts", async () => {
    const dest = ep.to("/sig?q=1");
    await s.client.publish({ url: dest, body: "payload ✓" });
    const [d] = await ep.waitFor("/sig");
    const sig = d.headers["upstash-signature"] as string;
    expect(JSON.parse(Buffer.from(sig.split(".")[0], "base64url").toString())).toEqual({ alg: "HS256", typ: "JWT" });
    const claims = decode(sig);
    expect(Object.keys(claims).sort()).toEqual(["body", "exp", "iat", "iss", "jti", "nbf", "sub"]);
    expect(claims.iss).toBe("Upstash");
    expect(claims.sub).toBe(dest);
    expect(claims.exp - claims.iat).toBe(300);
    expect(claims.jti).toMatch(/^jwt_/);
    await expect(receiver.verify({ signature: sig, body: d.body, url: dest })).resolves.toBe(true);
  });

  it("rejects forged, tampered, wrong-subject and expired signatures", async () => {
    const dest = ep.to("/sig2");
    await s.client.publish({ url: dest, body: "original" });
    const [d] = await ep.waitFor("/sig2");
    const sig = d.headers["upstash-signature"] as string;
    // tampered body
    await expect(receiver.verify({ signature: sig, body: "tampered", url: dest })).rejects.toThrow();
    // wrong subject
    await expect(receiver.verify({ signature: sig, body: "original", url: ep.to("/elsewhere") })).rejects.toThrow();
    // tampered claims, original MAC
    const [h, , mac] = sig.split(".");
    const evil = Buffer.from(JSON.stringify({ ...decode(sig), sub: ep.to("/evil") })).toString("base64url");
    await expect(receiver.verify({ signature: `${h}.${evil}.${mac}`, body: "original" })).rejects.toThrow();
    // forged with another key
    const forged = signJwt("sig_notTheRealKey", dest, decode(sig).body);
    await expect(receiver.verify({ signature: forged, body: "original" })).rejects.toThrow();
    // a receiver with other keys rejects the genuine token
    const other = new Receiver({ currentSigningKey: DEV_USERS[1].current, nextSigningKey: DEV_USERS[1].next });
    await expect(other.verify({ signature: sig, body: "original" })).rejects.toThrow();
    // expired: the same genuine token six minutes later
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + 6 * 60_000);
    expect(decode(sig).exp).toBeLessThan(Date.now() / 1000);
    await expect(receiver.verify({ signature: sig, body: "original" })).rejects.toThrow();
    vi.useRealTimers();
    await expect(receiver.verify({ signature: sig, body: "original" })).resolves.toBe(true);
  });

  it("is verified by the next key too (rotation)", async () => {
    const r = new Receiver({ currentSigningKey: "sig_stale", nextSigningKey: KEYS.currentSigningKey });
    await s.client.publish({ url: ep.to("/sig3"), body: "x" });
    const [d] = await ep.waitFor("/sig3");
    await expect(r.verify({ signature: d.headers["upstash-signature"] as string, body: d.body })).resolves.toBe(true);
  });

  it("is minted fresh per attempt", async () => {
    let n = 0;
    ep.on("/fresh", () => ({ status: n++ === 0 ? 500 : 200 }));
    await s.client.publish({ url: ep.to("/fresh"), body: "x", retries: 1 });
    const ds = await ep.waitFor("/fresh", 2);
    const [a, b] = ds.map((d) => decode(d.headers["upstash-signature"] as string));
    expect(a.jti).not.toBe(b.jti);
    expect(ds[1].headers["upstash-retried"]).toBe("1");
  });

  it("verifySignatureAppRouter accepts deliveries and rejects direct forged calls", async () => {
    await s.client.publishJSON({ url: ep.to("/app/route"), body: { a: 1 } });
    await ep.waitFor("/app/route");
    expect(appCalls).toBe(1);
    const msgs = await s.client.logs({ filter: { url: ep.to("/app/route") } } as any);
    expect(msgs.logs[0].state).toBe("DELIVERED");
    // No signature → 403 from the wrapper; forged → the wrapper throws (500).
    const noSig = await fetch(ep.to("/app/direct"), { method: "POST", body: "{}" });
    expect(noSig.status).toBe(403);
    const forged = await fetch(ep.to("/app/direct"), {
      method: "POST",
      body: "{}",
      headers: { "Upstash-Signature": signJwt("sig_wrong", ep.to("/app/direct"), "x") },
    });
    expect(forged.status).toBe(500);
    expect(appCalls).toBe(1);
  });

  it("dev users 2–4 are signed with their own keys; /v2/keys returns the caller's keys", async () => {
    const u2 = DEV_USERS[1];
    const r = await api(s.url, "POST", `/v2/publish/${ep.to("/user2")}`, { token: u2.token, body: "u2" });
    expect(r.status).toBe(200);
    const [d] = await ep.waitFor("/user2");
    const rec = new Receiver({ currentSigningKey: u2.current, nextSigningKey: u2.next });
    await expect(rec.verify({ signature: d.headers["upstash-signature"] as string, body: "u2" })).resolves.toBe(true);
    expect((await api(s.url, "GET", "/v2/keys", { token: u2.token })).json).toEqual({ current: u2.current, next: u2.next });
  });

  it("GET deliveries carry no body and sign the empty body", async () => {
    await s.client.publish({ url: ep.to("/get"), body: "ignored", method: "GET" });
    const [d] = await ep.waitFor("/get");
    expect(d.method).toBe("GET");
    expect(d.body).toBe("");
    await expect(receiver.verify({ signature: d.headers["upstash-signature"] as string, body: "" })).resolves.toBe(true);
  });

  it("POST /v2/keys/rotate promotes next to current and deliveries follow", async () => {
    const s2 = await startServer();
    try {
      const rotated = (await api(s2.url, "POST", "/v2/keys/rotate")).json;
      expect(rotated.current).toBe(KEYS.nextSigningKey);
      expect(rotated.next).toMatch(/^sig_/);
      expect((await api(s2.url, "GET", "/v2/keys")).json).toEqual(rotated);
      await s2.client.publish({ url: ep.to("/rotated"), body: "r" });
      const [d] = await ep.waitFor("/rotated");
      const r = new Receiver({ currentSigningKey: rotated.current, nextSigningKey: rotated.next });
      await expect(r.verify({ signature: d.headers["upstash-signature"] as string, body: "r" })).resolves.toBe(true);
    } finally {
      await s2.stop();
    }
  });
});
