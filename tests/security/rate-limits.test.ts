import { readFileSync } from "node:fs";
import { like } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as authRoute from "@/app/api/auth/[...all]/route";
import * as uploadsRoute from "@/app/api/uploads/route";
import { ApiRequestError } from "@/lib/client/api-client";
import { createUpload as createUploadFromBrowser } from "@/lib/client/uploads-api";
import { getDb } from "@/lib/db/client";
import { hitRateLimits } from "@/lib/db/queries/rate-limits";
import { rateLimits } from "@/lib/db/schema";
import { getEnv } from "@/lib/env";
import { RATE_LIMITS } from "@/lib/rate-limit/limits";
import { createTestUser, type TestUser } from "../helpers/auth";
import { callRoute } from "../helpers/requests";
import { discoverRouteFiles } from "./route-table";

// A tenth of the real limits, so each is reached in a few calls; a trusted proxy header.
// Set before anything reads the environment (getEnv parses it once per test file).
const saved = { multiplier: process.env.RATE_LIMIT_MULTIPLIER, header: process.env.TRUSTED_IP_HEADER };
process.env.RATE_LIMIT_MULTIPLIER = "0.1";
process.env.TRUSTED_IP_HEADER = "x-real-ip";
afterAll(() => {
  for (const [name, value] of [
    ["RATE_LIMIT_MULTIPLIER", saved.multiplier],
    ["TRUSTED_IP_HEADER", saved.header],
  ] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

const scaled = (points: number) => Math.max(1, Math.floor(points * 0.1));

let alice: TestUser;
let bob: TestUser;
beforeAll(async () => {
  [alice, bob] = await Promise.all([createTestUser(), createTestUser()]);
  expect(getEnv().RATE_LIMIT_MULTIPLIER).toBe(0.1);
});

const createAs = (user: TestUser, headers: Record<string, string> = {}) =>
  callRoute(uploadsRoute.POST, {
    method: "POST",
    cookie: user.cookie,
    headers,
    body: { name: "r.png", type: "image/png", size: 100, projectId: user.projectId },
  });

const signIn = (email: string, ip: string, forwardedFor = "198.51.100.1") =>
  callRoute(authRoute.POST, {
    method: "POST",
    path: "/api/auth/sign-in/email",
    headers: { "x-real-ip": ip, "x-forwarded-for": forwardedFor },
    body: { email, password: "wrong-password-123" },
  });

describe("control-plane rate limits", () => {
  it("answers the request over a user's allowance with 429, Retry-After and a JSON error naming the limit; others are unaffected", async () => {
    const max = scaled(RATE_LIMITS["uploads.create"].user.points);
    for (let i = 0; i < max; i++) expect((await createAs(alice, { "x-real-ip": `203.0.113.${i}` })).status).toBe(201);
    const limited = await createAs(alice, { "x-real-ip": "203.0.113.200" });
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(limited.body.error.code).toBe("rate_limited");
    expect(limited.body.error.message).toMatch(new RegExp(`^Too many requests for your account: at most ${max} per 60 s\\. Try again in \\d+ s\\.$`));
    expect(limited.body.error.details).toMatchObject({ limit: "uploads.create", scope: "user", retryAfterSeconds: retryAfter });
    expect((await createAs(bob)).status).toBe(201);
  });

  it("keeps the counters in Postgres, where every app instance sees them", async () => {
    const rows = await getDb()
      .select()
      .from(rateLimits)
      .where(like(rateLimits.key, `uploads.create:user:${alice.id}`));
    expect(rows).toHaveLength(1);
    expect(rows[0]!.points).toBeGreaterThan(scaled(RATE_LIMITS["uploads.create"].user.points));
  });

  it("reaches the uploader as an ApiRequestError carrying the server's message and status 429 (which Uppy retries after a pause)", async () => {
    const realFetch = globalThis.fetch;
    // The browser's fetch, answered by the real route handler in-process with Alice's cookie.
    globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
      const headers = new Headers(init?.headers);
      headers.set("cookie", alice.cookie);
      headers.set("origin", new URL(getEnv().APP_URL).origin);
      return uploadsRoute.POST(new Request(new URL(String(input), getEnv().APP_URL), { ...init, headers }), { params: Promise.resolve({}) });
    }) as typeof fetch;
    try {
      const error = await createUploadFromBrowser({
        name: "r.png",
        type: "image/png",
        size: 100,
        projectId: alice.projectId,
        options: { checksum: true, sniff: true, probe: true, thumbnail: false, storyboard: false },
      }).catch((e) => e);
      expect(error).toBeInstanceOf(ApiRequestError);
      expect(error.status).toBe(429);
      expect(error.source.status).toBe(429);
      expect(error.message).toMatch(/^Too many requests for your account/);
    } finally {
      globalThis.fetch = realFetch;
    }
  });

  it("deletes ended windows in the counting statement itself when asked, but never the counters it counts", async () => {
    const tag = crypto.randomUUID();
    const db = getDb();
    await db.insert(rateLimits).values([
      { key: `test.stale:${tag}`, points: 5, resetAt: new Date(Date.now() - 60_000) },
      { key: `test.counted:${tag}`, points: 5, resetAt: new Date(Date.now() - 60_000) },
    ]);
    const counted = await hitRateLimits([{ key: `test.counted:${tag}`, windowSeconds: 60, max: 10 }], true);
    // The counted one's window had ended: it starts again at 1.
    expect(counted.map((c) => [c.key, c.points])).toEqual([[`test.counted:${tag}`, 1]]);
    const left = await db
      .select()
      .from(rateLimits)
      .where(like(rateLimits.key, `test.%:${tag}`));
    expect(left.map((r) => r.key)).toEqual([`test.counted:${tag}`]);
  });

  it("names a limit on every signed-in control-plane route", () => {
    for (const { pattern, file } of discoverRouteFiles()) {
      const source = readFileSync(file, "utf8");
      const sessionRoutes = source.match(/= withSession\b/g)?.length ?? 0;
      const limited = source.match(/\{\s*rateLimit:\s*"[a-z.-]+"\s*\},?\s*\)/g)?.length ?? 0;
      // A hot route may count inside its own statement instead (the live status poll).
      const inline = source.match(/inlineRateLimit\("[a-z.-]+"/g)?.length ?? 0;
      expect(limited + Math.min(inline, 1), `${pattern}: every withSession handler passes { rateLimit } or counts with inlineRateLimit`).toBe(sessionRoutes);
    }
  });
});

describe("sign-in and sign-up limits", () => {
  it("limits sign-in per trusted client IP, and a client-set X-Forwarded-For does not buy a new bucket", async () => {
    const max = scaled(RATE_LIMITS["auth.sign-in"].ip.points);
    for (let i = 0; i < max; i++) {
      const res = await signIn(`guess-${i}-${alice.id}@biblio.test`, "203.0.113.50", `198.51.100.${i}`);
      expect(res.status).toBe(401);
    }
    const limited = await signIn(`guess-x-${alice.id}@biblio.test`, "203.0.113.50", "198.51.100.99");
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(limited.body.error).toMatchObject({ code: "rate_limited", details: { limit: "auth.sign-in", scope: "ip" } });
    expect((await signIn(`guess-y-${alice.id}@biblio.test`, "203.0.113.51")).status).toBe(401);
  });

  it("limits sign-in per account across addresses", async () => {
    const max = scaled(RATE_LIMITS["auth.sign-in"].account.points);
    for (let i = 0; i < max; i++) expect((await signIn(bob.email, `203.0.113.${60 + i}`)).status).toBe(401);
    const limited = await signIn(bob.email.toUpperCase(), "203.0.113.70");
    expect(limited.status).toBe(429);
    expect(limited.body.error.details).toMatchObject({ limit: "auth.sign-in", scope: "account" });
  });

  it("limits sign-up per trusted client IP", async () => {
    const signUp = (i: number) =>
      callRoute(authRoute.POST, {
        method: "POST",
        path: "/api/auth/sign-up/email",
        headers: { "x-real-ip": "203.0.113.80" },
        body: { email: `new-${i}-${alice.id}@biblio.test`, password: "correct-horse-battery", name: "New" },
      });
    const max = scaled(RATE_LIMITS["auth.sign-up"].ip.points);
    for (let i = 0; i < max; i++) expect((await signUp(i)).status).toBe(200);
    const limited = await signUp(max);
    expect(limited.status).toBe(429);
    expect(limited.body.error.details).toMatchObject({ limit: "auth.sign-up", scope: "ip" });
  });
});
