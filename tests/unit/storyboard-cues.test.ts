import { describe, expect, it } from "vitest";
import { compileStoryboardVtt, cueAt, parseStoryboardVtt, StoryboardVttError } from "@/lib/derived/storyboard-cues";

// What the storyboard processor stores for a 5 s clip: two tiles, the last cue ending at the duration.
const STORED = `WEBVTT

00:00:00.000 --> 00:00:02.500
storyboard.jpg#xywh=0,0,160,90

00:00:02.500 --> 00:00:05.000
storyboard.jpg#xywh=160,0,160,90
`;

describe("storyboard cues", () => {
  it("reads each cue's time span and tile", () => {
    expect(parseStoryboardVtt(STORED)).toEqual([
      { start: 0, end: 2.5, url: "storyboard.jpg", x: 0, y: 0, w: 160, h: 90 },
      { start: 2.5, end: 5, url: "storyboard.jpg", x: 160, y: 0, w: 160, h: 90 },
    ]);
  });

  it("keeps a signed URL's query as it is (metadata text: no entity decoding) and round-trips through compile", () => {
    const url = "http://127.0.0.1:7610/b/derived/upl_1/storyboard.jpg?X-Amz-Signature=ab%2Fc&X-Amz-Expires=4200";
    const cues = parseStoryboardVtt(STORED).map((c) => ({ ...c, url }));
    const text = compileStoryboardVtt(cues);
    expect(text).toContain(`\n${url}#xywh=160,0,160,90\n`);
    expect(parseStoryboardVtt(text)).toEqual(cues);
  });

  it("compiles hours and milliseconds", () => {
    const text = compileStoryboardVtt([{ start: 3723.25, end: 3725, url: "s.jpg", x: 1, y: 2, w: 3, h: 4 }]);
    expect(text).toBe("WEBVTT\n\n01:02:03.250 --> 01:02:05.000\ns.jpg#xywh=1,2,3,4\n");
  });

  it("accepts the explicit pixel: unit", () => {
    const [cue] = parseStoryboardVtt("WEBVTT\n\n00:01.000 --> 00:02.000\nsprite.jpg#xywh=pixel:320,90,160,90\n");
    expect(cue).toMatchObject({ start: 1, end: 2, x: 320, y: 90 });
  });

  it("refuses a file that is not WebVTT and a cue that is not a tile", () => {
    expect(() => parseStoryboardVtt("not a vtt")).toThrow(StoryboardVttError);
    expect(() => parseStoryboardVtt("WEBVTT\n\n00:00.000 --> 00:01.000\nHello there\n")).toThrow(/Cue 1 is not an image#xywh= tile/);
    expect(() => parseStoryboardVtt("WEBVTT\n\n00:00.000 --> 00:01.000\ns.jpg#xywh=0,0,160\n")).toThrow(StoryboardVttError);
  });

  it("finds the tile for a time: the cue that holds it, the first before it, the last after it", () => {
    const cues = parseStoryboardVtt(STORED);
    expect(cueAt(cues, 2.49)?.x).toBe(0);
    expect(cueAt(cues, 2.5)?.x).toBe(160);
    expect(cueAt(cues, -1)?.x).toBe(0);
    expect(cueAt(cues, 99)?.x).toBe(160);
    expect(cueAt([], 1)).toBeNull();
  });
});
