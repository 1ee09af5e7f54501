/**
 * The runtime of each route handler, reported by /api/health. A unit test reads
 * every `app/api/ ** /route.ts` and fails when this list and the files disagree.
 */
export const ROUTE_RUNTIMES: Record<string, "edge" | "nodejs"> = {
  "/api/health": "edge",
};
