import { createHash, randomBytes, randomUUID } from "node:crypto";
import { SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { getEnv } from "@/lib/env";
import { callRoute } from "../helpers/requests";
import { discoverRoutes, ROUTE_TABLE, type RouteHandler } from "./route-table";

type Claims = { sub?: string; iss?: string; body?: string; exp?: number; nbf?: number; iat?: number };

/** A QStash-style signature (HS256 JWT over the URL and the body's SHA-256), with any claim overridden. */
async function sign(key: string, url: string, body: string, claims: Claims = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const payload = {
    iss: "Upstash",
    sub: url,
    body: createHash("sha256").update(body).digest("base64url"),
    iat: now,
    nbf: now,
    exp: now + 300,
    jti: randomUUID(),
    ...claims,
  };
  return new SignJWT(payload).setProtectedHeader({ alg: "HS256", typ: "JWT" }).sign(new TextEncoder().encode(key));
}

let signed: { key: string; pattern: string; handler: RouteHandler }[];
// A body every QStash route refuses after the signature check (489, nothing done): it
// shows the signature itself was accepted, without running a sweep or a job.
const BODY = "[]";

beforeAll(async () => {
  const routes = await discoverRoutes();
  signed = routes
    .filter((r) => ["qstash", "storage-event"].includes(ROUTE_TABLE[r.key]?.kind ?? ""))
    .map((r) => ({ key: r.key, pattern: r.pattern, handler: r.handler }));
});

function deliver(route: { pattern: string; handler: RouteHandler }, signature: string | null, body = BODY, headers: Record<string, string> = {}) {
  return callRoute(route.handler, {
    method: "POST",
    path: route.pattern,
    rawBody: body,
    headers: { ...(signature ? { "upstash-signature": signature } : {}), "content-type": "application/json", ...headers },
  });
}

describe("QStash-signed routes", () => {
  it("covers every route QStash calls", () => {
    expect(signed.map((r) => r.key).sort()).toEqual(
      [
        "POST /api/cron/poll",
        "POST /api/cron/sweep",
        "POST /api/jobs/failed",
        "POST /api/jobs/process",
        "POST /api/storage-events",
        "POST /api/uploads/check",
      ].sort(),
    );
  });

  it("accepts a genuine delivery, signed with the current or the next key, for exactly its URL", async () => {
    const env = getEnv();
    for (const route of signed) {
      const url = `${env.APP_URL}${route.pattern}`;
      for (const key of [env.QSTASH_CURRENT_SIGNING_KEY!, env.QSTASH_NEXT_SIGNING_KEY!]) {
        const res = await deliver(route, await sign(key, url, BODY));
        expect(res.status, `${route.key}: ${JSON.stringify(res.body)}`).toBe(489);
        expect(res.headers.get("upstash-nonretryable-error")).toBe("true");
      }
    }
  });

  it("rejects forged, expired, not-yet-valid, misaddressed, re-issued and body-altered deliveries before reading the body", async () => {
    const env = getEnv();
    const key = env.QSTASH_CURRENT_SIGNING_KEY!;
    const now = Math.floor(Date.now() / 1000);
    for (const route of signed) {
      const url = `${env.APP_URL}${route.pattern}`;
      const cases: [string, string | null, string?][] = [
        ["unsigned", null],
        ["garbage", "not-a-jwt"],
        ["forged with another key", await sign(randomBytes(24).toString("base64url"), url, BODY)],
        ["expired", await sign(key, url, BODY, { iat: now - 900, nbf: now - 900, exp: now - 600 })],
        ["not yet valid", await sign(key, url, BODY, { nbf: now + 600, exp: now + 900 })],
        ["signed for another route", await sign(key, `${env.APP_URL}/api/health`, BODY)],
        ["signed for another host", await sign(key, `https://evil.example${route.pattern}`, BODY)],
        ["issued by someone else", await sign(key, url, BODY, { iss: "Evil" })],
        ["body altered", await sign(key, url, BODY), '{"uploadId":"upl_00000000-0000-7000-8000-000000000000"}'],
        ["body hash of another body", await sign(key, url, "{}")],
      ];
      for (const [name, signature, body] of cases) {
        const res = await deliver(route, signature, body);
        const want = signature ? 403 : 401;
        expect(res.status, `${route.key} ${name}: ${JSON.stringify(res.body)}`).toBe(want);
        expect(res.body.error.code).toBe(signature ? "forbidden" : "unauthorized");
      }
    }
  });

  it("treats a replay with altered unsigned headers exactly like the original: nothing more happens", async () => {
    const env = getEnv();
    for (const route of signed) {
      const signature = await sign(env.QSTASH_CURRENT_SIGNING_KEY!, `${env.APP_URL}${route.pattern}`, BODY);
      const original = await deliver(route, signature);
      const replay = await deliver(route, signature, BODY, {
        "upstash-retried": "999",
        "upstash-message-id": "msg_forged",
        "x-forwarded-host": "evil.example",
        host: "evil.example",
        "x-biblio-storage-secret": "guess",
        authorization: "Bearer guess",
      });
      expect(replay.status, route.key).toBe(original.status);
      expect(replay.body).toEqual(original.body);
    }
  });
});
