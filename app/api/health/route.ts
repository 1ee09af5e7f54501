export const runtime = "edge";
export const dynamic = "force-dynamic";

/**
 * Public liveness: answers without touching the database, S3 or QStash, and says
 * nothing about versions or endpoints. The dependency checks live behind admin auth
 * at /api/admin/health. The control-plane benchmark uses this route as its no-I/O
 * baseline: what one Edge route handler costs in this app.
 */
export function GET() {
  return Response.json({ status: "ok" }, { headers: { "cache-control": "no-store" } });
}
