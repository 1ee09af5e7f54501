import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import * as healthRoute from "@/app/api/health/route";

const ROUTE_FILE = join(import.meta.dirname, "../../app/api/health/route.ts");

describe("GET /api/health", () => {
  it("answers liveness only: status ok, nothing about dependencies, versions or routes", async () => {
    const res = await healthRoute.GET();
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(await res.json()).toEqual({ status: "ok" });
  });

  it("runs on Edge and imports nothing, so it cannot reach the database, S3 or QStash", () => {
    expect(healthRoute.runtime).toBe("edge");
    expect(readFileSync(ROUTE_FILE, "utf8")).not.toMatch(/^\s*import\b/m);
  });
});
