import { count } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/lib/db/client";
import { adminAudit, projects, uploadEvents, uploads, user } from "@/lib/db/schema";
import { createWorld, type World } from "./fixtures";
import { callPattern } from "./request";
import { discoverRoutes, ROUTE_TABLE, type RouteHandler } from "./route-table";

let world: World;
let routes: Awaited<ReturnType<typeof discoverRoutes>>;

beforeAll(async () => {
  [world, routes] = await Promise.all([createWorld(), discoverRoutes()]);
});

async function snapshot() {
  const db = getDb();
  const n = async (table: typeof uploads | typeof projects | typeof adminAudit | typeof user | typeof uploadEvents) =>
    (await db.select({ n: count() }).from(table))[0]!.n;
  return { uploads: await n(uploads), events: await n(uploadEvents), projects: await n(projects), audit: await n(adminAudit), users: await n(user) };
}

/** What a page on another site can make a signed-in browser send. */
const CROSS_SITE: Record<string, string>[] = [
  { origin: "https://evil.example" },
  { origin: "null" },
  { "sec-fetch-site": "cross-site" },
  { origin: "http://localhost.evil.example" },
];

describe("cross-origin state changes", () => {
  it("refuses every cookie-authenticated state-changing route from another origin, with the caller who could otherwise act, and changes nothing", async () => {
    const stateChanging = routes.filter((r) => r.method !== "GET" && ["user", "admin"].includes(ROUTE_TABLE[r.key]?.kind ?? ""));
    expect(stateChanging.length).toBeGreaterThan(10);
    // Fixtures first: the calls below must be the only thing that could change the counts.
    const prepared = [];
    for (const route of stateChanging) {
      const row = ROUTE_TABLE[route.key]!;
      const as = row.kind === "admin" ? "admin" : "owner";
      for (const headers of CROSS_SITE) prepared.push({ route, as, headers, call: row.call ? await row.call(world) : {} });
    }
    const before = await snapshot();
    const failures: string[] = [];
    for (const { route, as, headers, call } of prepared) {
      const res = await callPattern(route.handler as RouteHandler, route.pattern, route.method, call, {
        cookie: world.cookieOf(as as "admin" | "owner"),
        headers,
      });
      if (res.status !== 403 || res.body?.error?.code !== "forbidden") failures.push(`${route.key} as ${as} with ${JSON.stringify(headers)}: ${res.status}`);
    }
    expect(failures).toEqual([]);
    expect(await snapshot()).toEqual(before);
  }, 180_000);

  it("refuses a cross-origin sign-up and sign-in (better-auth checks the origin too)", async () => {
    const auth = routes.find((r) => r.key === "POST /api/auth/[...all]")!;
    const before = await snapshot();
    const signUp = await callPattern(
      auth.handler,
      auth.pattern,
      "POST",
      { path: "/api/auth/sign-up/email", body: { email: `x-${world.owner.id}@biblio.test`, password: "correct-horse-battery", name: "X" } },
      { headers: { origin: "https://evil.example" } },
    );
    expect(signUp.status).toBe(403);
    const signIn = await callPattern(
      auth.handler,
      auth.pattern,
      "POST",
      { path: "/api/auth/sign-in/email", body: { email: world.owner.email, password: "correct-horse-battery" } },
      { headers: { origin: "https://evil.example" } },
    );
    expect(signIn.status).toBe(403);
    expect(signIn.headers.get("set-cookie")).toBeNull();
    expect(await snapshot()).toEqual(before);
  });

  it("still serves the same requests from the app's own origin (the refusals above are about the origin)", async () => {
    const del = routes.find((r) => r.key === "DELETE /api/uploads/[id]")!;
    const call = await ROUTE_TABLE[del.key]!.call!(world);
    const res = await callPattern(del.handler, del.pattern, "DELETE", call, { cookie: world.owner.cookie });
    expect(res.status).toBe(200);
    expect(res.body.upload.status).toBe("aborted");
  });
});
