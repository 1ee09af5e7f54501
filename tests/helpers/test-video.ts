import { readFileSync } from "node:fs";
// Relative, not `@/`: the e2e specs (Playwright, no path aliases) use this helper too.
import { runFfmpeg } from "../../lib/processors/media/ffmpeg";

/**
 * A real H.264/AAC MP4 (faststart) made by the shipped ffmpeg: a moving test pattern with a
 * running clock, so every storyboard tile differs, and a tone. Chromium plays it.
 */
export async function makeTestVideo(path: string, seconds: number): Promise<Buffer> {
  await runFfmpeg(
    [
      ...["-y", "-f", "lavfi", "-i", `testsrc2=s=320x240:r=25:d=${seconds}`, "-f", "lavfi", "-i", `sine=f=440:d=${seconds}`],
      ...["-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "64k", "-shortest"],
      ...["-movflags", "+faststart", path],
    ],
    { signal: new AbortController().signal, timeoutMs: 120_000 },
  );
  return readFileSync(path);
}
