import { z } from "zod";
import { parseParams } from "@/lib/api/parse-body";
import { withSession } from "@/lib/api/with-session";
import { storyboardTrack } from "@/lib/uploads/storyboard-track";

export const runtime = "edge";

type Params = { id: string };

// Ids of any other shape are looked up and answered 404, as /file does, so they cannot be told apart.
const PARAMS = z.object({ id: z.string().min(1).max(200) });

/**
 * The storyboard's WebVTT for seek previews, with each cue pointing at a signed URL of the
 * sprite sheet (`<url>#xywh=x,y,w,h`): what Video.js, Vidstack or the upload page's seek
 * bar load. Same readers and answers as /file; 409 when the file has no storyboard.
 */
export const GET = withSession<Params>(
  async ({ params, user }) => {
    const { id } = parseParams(PARAMS, params);
    const vtt = await storyboardTrack({ uploadId: id, userId: user.id });
    // The cues carry signed URLs (bearer credentials for an hour): no shared cache may keep them.
    return new Response(vtt, {
      headers: {
        "content-type": "text/vtt; charset=utf-8",
        "cache-control": "private, no-store",
        "referrer-policy": "no-referrer",
        "x-content-type-options": "nosniff",
      },
    });
  },
  { rateLimit: "uploads.read" },
);
