import { beforeAll, describe, expect, it } from "vitest";
import { getEnv } from "@/lib/env";
import { createWorld, ROLES, type World } from "./fixtures";
import { callPattern } from "./request";
import { discoverRoutes, ROUTE_TABLE, type RouteHandler } from "./route-table";

let world: World;
let routes: Awaited<ReturnType<typeof discoverRoutes>>;

beforeAll(async () => {
  [world, routes] = await Promise.all([createWorld(), discoverRoutes()]);
});

describe("authorization matrix", () => {
  it("has a row for every route and method the app serves, and none for routes that are gone", () => {
    const served = routes.map((r) => r.key).sort();
    expect(served.length).toBeGreaterThan(20);
    expect(
      served.filter((key) => !(key in ROUTE_TABLE)),
      "routes without a matrix row",
    ).toEqual([]);
    expect(
      Object.keys(ROUTE_TABLE).filter((key) => !served.includes(key)),
      "matrix rows for routes that do not exist",
    ).toEqual([]);
  });

  it("answers every route × caller × method as the table says", async () => {
    const failures: string[] = [];
    for (const route of routes) {
      const row = ROUTE_TABLE[route.key];
      if (!row) continue;
      for (const role of ROLES) {
        const call = row.call ? await row.call(world) : {};
        const res = await callPattern(route.handler as RouteHandler, route.pattern, route.method, call, { cookie: world.cookieOf(role) });
        const want = row.expect[role];
        const ok = Array.isArray(want) ? want.includes(res.status) : res.status === want;
        if (!ok) failures.push(`${route.key} as ${role}: ${res.status}, want ${want} (${JSON.stringify(res.body).slice(0, 160)})`);
        // Hidden means hidden: the same words as an unknown route, nothing that names the resource.
        if (row.kind === "admin" && role !== "admin" && res.body?.error?.message !== "Not found.")
          failures.push(`${route.key} as ${role}: admin 404 says ${JSON.stringify(res.body)}`);
      }
    }
    expect(failures).toEqual([]);
    // About 170 calls, one of them an admin's sweep over the whole test database.
  }, 300_000);

  it("publishes nothing internal on the public liveness route", async () => {
    const route = routes.find((r) => r.key === "GET /api/health")!;
    const res = await callPattern(route.handler, route.pattern, "GET", {});
    const text = JSON.stringify(res.body);
    const env = getEnv();
    for (const secretish of [env.S3_ENDPOINT, env.S3_BUCKET, env.QSTASH_URL, new URL(env.POSTGRES_URL).host, "PostgreSQL", "routes"]) {
      if (secretish) expect(text).not.toContain(secretish);
    }
  });
});
