import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import type { Readable } from "node:stream";

let binary: string | undefined;

/**
 * The ffmpeg binary shipped by @ffmpeg-installer (the platform package carries it inside
 * its npm tarball, so every install has it). Resolved from the project root: inside a
 * Next bundle this module's own location is not on disk, node_modules is.
 */
export function ffmpegPath(): string {
  binary ??= (createRequire(path.join(process.cwd(), "package.json"))("@ffmpeg-installer/ffmpeg") as { path: string }).path;
  return binary;
}

export class FfmpegError extends Error {
  constructor(
    message: string,
    readonly stderr: string,
  ) {
    super(message);
    this.name = "FfmpegError";
  }
}

/** The last lines of ffmpeg's log: enough to say why it failed, never the signed URL (it is not logged at this level). */
const tail = (stderr: string) => stderr.trim().split("\n").slice(-3).join(" | ").slice(0, 500);

/**
 * Runs ffmpeg and collects stdout (the image it wrote to a pipe) and, with `pipes: n`,
 * what it wrote to `pipe:3` … `pipe:<n+2>` (one output each). It is killed when the
 * signal aborts or after `timeoutMs`, so a stalled read cannot hold a worker.
 */
export function runFfmpeg(
  args: string[],
  opts: { signal: AbortSignal; timeoutMs: number; allowFailure?: boolean; pipes?: number },
): Promise<{ stdout: Buffer; stderr: string; code: number | null; pipes: Buffer[] }> {
  return new Promise((resolve, reject) => {
    const signal = AbortSignal.any([opts.signal, AbortSignal.timeout(opts.timeoutMs)]);
    if (signal.aborted) return reject(signal.reason);
    const extra = opts.pipes ?? 0;
    const child = spawn(ffmpegPath(), ["-hide_banner", "-nostdin", "-loglevel", "error", ...args], {
      stdio: ["ignore", "pipe", "pipe", ...Array<"pipe">(extra).fill("pipe")],
    });
    const out: Buffer[] = [];
    const piped: Buffer[][] = Array.from({ length: extra }, () => []);
    for (let i = 0; i < extra; i++) (child.stdio[3 + i] as Readable).on("data", (chunk: Buffer) => piped[i]!.push(chunk));
    let stderr = "";
    child.stdout!.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr!.on("data", (chunk: Buffer) => {
      if (stderr.length < 64_000) stderr += chunk.toString();
    });
    const onAbort = () => child.kill("SIGKILL");
    signal.addEventListener("abort", onAbort, { once: true });
    child.on("error", (error) => {
      signal.removeEventListener("abort", onAbort);
      reject(error);
    });
    child.on("close", (code) => {
      signal.removeEventListener("abort", onAbort);
      if (signal.aborted) return reject(signal.reason);
      if (code !== 0 && !opts.allowFailure) return reject(new FfmpegError(`ffmpeg exited with ${code}: ${tail(stderr)}`, stderr));
      resolve({ stdout: Buffer.concat(out), stderr, code, pipes: piped.map((chunks) => Buffer.concat(chunks)) });
    });
  });
}

export type VideoInfo = { duration: number | null; width: number | null; height: number | null; hasVideo: boolean };

/**
 * Duration and picture size from ffmpeg's own description of the input (`ffmpeg -i`
 * with no output exits 1 after printing it). The package ships no ffprobe.
 */
export async function describeInput(input: string[], signal: AbortSignal, timeoutMs: number): Promise<VideoInfo> {
  const { stderr } = await runFfmpeg(["-loglevel", "info", ...input], { signal, timeoutMs, allowFailure: true });
  const d = /Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)/.exec(stderr);
  const video = /Stream #\S+.*?: Video: .*?(\d{2,5})x(\d{2,5})/.exec(stderr);
  return {
    duration: d ? Number(d[1]) * 3600 + Number(d[2]) * 60 + Number(d[3]) : null,
    width: video ? Number(video[1]) : null,
    height: video ? Number(video[2]) : null,
    hasVideo: Boolean(video),
  };
}
