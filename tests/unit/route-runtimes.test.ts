import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { describe, expect, it } from "vitest";
import { ROUTE_RUNTIMES } from "@/lib/health/route-runtimes";

const API_DIR = join(import.meta.dirname, "../../app/api");

function routeFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return routeFiles(full);
    return name === "route.ts" ? [full] : [];
  });
}

describe("ROUTE_RUNTIMES", () => {
  it("matches the runtime exported by every route file", () => {
    const found: Record<string, string> = {};
    for (const file of routeFiles(API_DIR)) {
      const path =
        "/api/" +
        relative(API_DIR, file)
          .split(sep)
          .slice(0, -1)
          .join("/")
          .replace(/\[(\w+)\]/g, ":$1");
      const match = readFileSync(file, "utf8").match(/export const runtime = "(edge|nodejs)"/);
      found[path] = match?.[1] ?? "nodejs";
    }
    expect(found).toEqual(ROUTE_RUNTIMES);
  });
});
