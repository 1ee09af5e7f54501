import { ApiError } from "@/lib/api/errors";
import { listDerived } from "@/lib/derived/derived-files";
import { compileStoryboardVtt, parseStoryboardVtt, StoryboardVttError } from "@/lib/derived/storyboard-cues";
import { log } from "@/lib/log";
import { readHead } from "@/lib/storage/objects";
import { assertDownloadable, getReadableUpload } from "./download-access";
import { signDerived } from "./download-url";

/** A storyboard's VTT is ~60 bytes a tile and at most 100 tiles; anything far larger is not one. */
const MAX_VTT_BYTES = 256 * 1024;

/**
 * The upload's storyboard WebVTT with each cue's image rewritten from the stored relative
 * name (`storyboard.jpg#xywh=…`, which resolves into the private bucket) to a signed URL
 * of the sprite sheet, so any player can load it: `<signed-url>#xywh=…`. The sprite's URL
 * is the one `/file` gives (same signing window), so the browser's cache serves both.
 * Readers are the file's: its owner and its project's members.
 */
export async function storyboardTrack(input: { uploadId: string; userId: string }): Promise<string> {
  const upload = await getReadableUpload(input.uploadId, input.userId);
  assertDownloadable(upload);
  const rows = await listDerived(upload.id);
  const sprite = rows.find((r) => r.kind === "storyboard");
  const vtt = rows.find((r) => r.kind === "storyboard-vtt");
  if (!sprite || !vtt) throw new ApiError("conflict", "This file has no storyboard.", { status: upload.status });

  const uploadLog = log.child({ uploadId: upload.id });
  if (vtt.bytes > MAX_VTT_BYTES) {
    uploadLog.error("storyboard VTT too large to serve", { bytes: vtt.bytes, limit: MAX_VTT_BYTES });
    throw new ApiError("internal_error", "The storyboard could not be read.");
  }
  const [text, signed] = await Promise.all([readHead(vtt.storageKey, MAX_VTT_BYTES), signDerived(sprite)]);
  const spriteName = sprite.storageKey.slice(sprite.storageKey.lastIndexOf("/") + 1);
  try {
    const cues = parseStoryboardVtt(new TextDecoder().decode(text));
    // Only the sprite stored beside the VTT is re-signed: a cue naming anything else is not ours to sign.
    const foreign = cues.find((c) => c.url !== spriteName);
    if (foreign) throw new StoryboardVttError(`A cue names ${JSON.stringify(foreign.url)}, not the sprite sheet ${spriteName}.`);
    return compileStoryboardVtt(cues.map((c) => ({ ...c, url: signed.url })));
  } catch (error) {
    if (!(error instanceof StoryboardVttError)) throw error;
    uploadLog.error("stored storyboard VTT is unreadable", { reason: error.message, key: vtt.storageKey });
    throw new ApiError("internal_error", "The storyboard could not be read.");
  }
}
