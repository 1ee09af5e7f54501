/**
 * The runtime of each route handler, reported by /api/health. A unit test reads
 * every `app/api/ ** /route.ts` and fails when this list and the files disagree.
 */
export const ROUTE_RUNTIMES: Record<string, "edge" | "nodejs"> = {
  "/api/auth/[...all]": "nodejs",
  "/api/health": "edge",
  "/api/projects": "edge",
  "/api/uploads": "edge",
  "/api/uploads/:id": "edge",
  "/api/uploads/:id/complete": "edge",
  "/api/uploads/:id/parts": "edge",
};
