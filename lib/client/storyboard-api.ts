import { parseStoryboardVtt, type StoryboardCue } from "@/lib/derived/storyboard-cues";
import { ApiRequestError } from "./api-client";

/** The storyboard's WebVTT with signed sprite URLs: what any player's seek previews can load. */
export function storyboardVttHref(id: string): string {
  return `/api/uploads/${encodeURIComponent(id)}/storyboard.vtt`;
}

/** The seek-preview tiles of an upload's storyboard (the route answers WebVTT, not JSON). */
export async function getStoryboardCues(id: string, signal?: AbortSignal): Promise<StoryboardCue[]> {
  const res = await fetch(storyboardVttHref(id), { credentials: "same-origin", cache: "no-store", signal });
  if (!res.ok) throw new ApiRequestError("The seek previews could not be loaded.", res.status, "storyboard_unavailable");
  return parseStoryboardVtt(await res.text());
}
