import { withQstash } from "@/lib/api/with-qstash";
import { UPLOAD_CHECK_INPUT } from "@/lib/queue/schedule-upload-check";
import { runUploadCheck } from "@/lib/sweep/run-upload-check";

export const runtime = "nodejs";

/** The delayed check scheduled when a multipart upload's last part URL is signed (QStash-signed). */
export const POST = withQstash(UPLOAD_CHECK_INPUT, async ({ body }) => Response.json(await runUploadCheck(body)));
