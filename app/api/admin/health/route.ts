import "@/lib/db/node";
import { checkAdminHealth } from "@/lib/admin/check-admin-health";
import { withAdmin } from "@/lib/api/with-session";
import { ROUTE_RUNTIMES } from "@/lib/health/route-runtimes";

export const runtime = "nodejs";

/** The admin self-check (bucket configuration, queues, schedule, latencies, each route's runtime) as JSON. */
export const GET = withAdmin(async () => {
  const checks = await checkAdminHealth();
  const status = checks.some((c) => c.status === "fail") ? "fail" : checks.some((c) => c.status === "warn") ? "warn" : "ok";
  return Response.json({ status, checks, routes: ROUTE_RUNTIMES }, { headers: { "cache-control": "no-store" } });
});
