/**
 * The runtime of each route handler, reported by /api/admin/health. A unit test reads
 * every `app/api/ ** /route.ts` and fails when this list and the files disagree.
 */
export const ROUTE_RUNTIMES: Record<string, "edge" | "nodejs"> = {
  "/api/admin/health": "nodejs",
  "/api/admin/jobs/discard": "nodejs",
  "/api/admin/jobs/replay": "nodejs",
  "/api/admin/orphans/cleanup": "nodejs",
  "/api/admin/outbox/republish": "nodejs",
  "/api/admin/sweeps": "nodejs",
  "/api/admin/uploads": "nodejs",
  "/api/admin/uploads/:id": "nodejs",
  "/api/admin/uploads/:id/cancel": "nodejs",
  "/api/admin/uploads/:id/delete-object": "nodejs",
  "/api/admin/uploads/:id/replay": "nodejs",
  "/api/admin/users/:id": "nodejs",
  "/api/auth/[...all]": "nodejs",
  "/api/cron/poll": "nodejs",
  "/api/cron/sweep": "nodejs",
  "/api/health": "edge",
  "/api/jobs/failed": "nodejs",
  "/api/jobs/process": "nodejs",
  "/api/projects": "edge",
  "/api/storage-events": "nodejs",
  "/api/uploads": "edge",
  "/api/uploads/:id": "edge",
  "/api/uploads/:id/complete": "edge",
  "/api/uploads/:id/delete": "edge",
  "/api/uploads/:id/file": "edge",
  "/api/uploads/:id/parts": "edge",
  "/api/uploads/check": "nodejs",
  "/api/uploads/delete": "edge",
};
