import "@/lib/db/node";
import { getAdminUploadDetail } from "@/lib/admin/get-admin-upload-detail";
import { ApiError } from "@/lib/api/errors";
import { withAdmin } from "@/lib/api/with-session";

export const runtime = "nodejs";

export const GET = withAdmin<{ id: string }>(async ({ params }) => {
  const detail = await getAdminUploadDetail(params.id);
  if (!detail) throw new ApiError("not_found", "Upload not found.");
  return Response.json(detail, { headers: { "cache-control": "no-store" } });
});
