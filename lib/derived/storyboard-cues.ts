import { WebVTTParser } from "webvtt-parser";

/**
 * One seek-preview tile: from `start` to `end` (seconds) the picture is the `w` × `h`
 * rectangle at (`x`, `y`) of the image at `url`. This module has no server imports: the
 * route that re-signs a storyboard and the upload page's seek bar both read cues with it.
 */
export type StoryboardCue = { start: number; end: number; url: string; x: number; y: number; w: number; h: number };

export class StoryboardVttError extends Error {
  override name = "StoryboardVttError";
}

/** `image#xywh=x,y,w,h` (Media Fragments; `pixel:` is the default unit and may be spelled out). */
const TILE = /^(?<url>[^\s#]+)#xywh=(?:pixel:)?(?<x>\d+),(?<y>\d+),(?<w>\d+),(?<h>\d+)$/;

/**
 * The cues of a storyboard WebVTT (the W3C's parser, in metadata mode so cue text is taken
 * as it is: a signed URL's `&` stays `&`). A file that is not WebVTT, or a cue that is not
 * a tile, is refused rather than half-read.
 */
export function parseStoryboardVtt(text: string): StoryboardCue[] {
  const { cues, errors } = new WebVTTParser().parse(text, "metadata");
  if (errors.length > 0) throw new StoryboardVttError(`Not a valid WebVTT file (line ${errors[0]!.line}: ${errors[0]!.message}).`);
  return cues.map((cue, i) => {
    const m = TILE.exec(cue.text.trim())?.groups;
    if (!m) throw new StoryboardVttError(`Cue ${i + 1} is not an image#xywh= tile.`);
    return { start: cue.startTime, end: cue.endTime, url: m.url!, x: Number(m.x), y: Number(m.y), w: Number(m.w), h: Number(m.h) };
  });
}

function timestamp(seconds: number): string {
  const ms = Math.round(seconds * 1000);
  const pad = (n: number, width = 2) => String(n).padStart(width, "0");
  return `${pad(Math.floor(ms / 3_600_000))}:${pad(Math.floor(ms / 60_000) % 60)}:${pad(Math.floor(ms / 1000) % 60)}.${pad(ms % 1000, 3)}`;
}

/** Writes cues back as WebVTT, in the form the storyboard processor stores. */
export function compileStoryboardVtt(cues: readonly StoryboardCue[]): string {
  const body = cues.map((c) => `${timestamp(c.start)} --> ${timestamp(c.end)}\n${c.url}#xywh=${c.x},${c.y},${c.w},${c.h}`);
  return `WEBVTT\n\n${body.join("\n\n")}\n`;
}

/** The tile for `time`: the last cue that starts at or before it (the first before any starts). */
export function cueAt(cues: readonly StoryboardCue[], time: number): StoryboardCue | null {
  let found = cues[0] ?? null;
  for (const cue of cues) if (cue.start <= time) found = cue;
  return found;
}
