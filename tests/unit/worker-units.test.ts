import { describe, expect, it } from "vitest";
import { failureReasonFrom } from "@/lib/jobs/handle-failure-callback";
import { classifyJobError, PermanentJobError, TemporaryJobError } from "@/lib/jobs/job-errors";
import { toProbeResult } from "@/lib/processors/probe";

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64");
const callback = (status: number, body: unknown, retried = 0) => ({ status, body: b64(body), retried, sourceMessageId: "msg_1", sourceBody: "" });

describe("job error classification", () => {
  it("treats a missing object as permanent and anything unknown as temporary", () => {
    expect(classifyJobError({ name: "NoSuchKey", $metadata: { httpStatusCode: 404 } })).toBeInstanceOf(PermanentJobError);
    expect(classifyJobError(new Error("socket hang up"))).toBeInstanceOf(TemporaryJobError);
    const permanent = new PermanentJobError("corrupt", "corrupt");
    expect(classifyJobError(permanent)).toBe(permanent);
  });
});

describe("failure callback reasons", () => {
  it("uses the worker's own message for a non-retryable failure", () => {
    expect(failureReasonFrom(callback(489, { error: { code: "truncated", message: "The media file is truncated." } }))).toBe("The media file is truncated.");
  });

  it("summarises exhausted retries with the attempt count", () => {
    expect(failureReasonFrom(callback(503, { error: { code: "unavailable", message: "Temporary." } }, 5))).toBe(
      "Processing failed after 6 attempts (last: Temporary.).",
    );
    expect(failureReasonFrom({ status: 0, retried: 0, error: "request timed out", sourceMessageId: "m", sourceBody: "" })).toBe(
      "Processing failed after 1 attempt (last: request timed out).",
    );
  });
});

describe("probe result mapping", () => {
  it("names containers and codecs the way the results view shows them", () => {
    expect(
      toProbeResult([
        { "@type": "General", Format: "MPEG-4", Format_Profile: "QuickTime", Duration: 2.0004, OverallBitRate: 86044.4 },
        { "@type": "Video", Format: "AVC", Width: 320, Height: 240, FrameRate: 25 },
        { "@type": "Audio", Format: "AAC", SamplingRate: 48000, Channels: 2 },
      ]),
    ).toEqual({
      container: "QuickTime",
      duration: 2,
      videoCodec: "h264",
      width: 320,
      height: 240,
      frameRate: 25,
      audioCodec: "aac",
      sampleRate: 48000,
      channels: 2,
      bitrate: 86044,
    });
    expect(
      toProbeResult([
        { "@type": "General", Format: "MPEG Audio" },
        { "@type": "Audio", Format: "MPEG Audio", Format_Profile: "Layer 3" },
      ]).audioCodec,
    ).toBe("mp3");
    expect(toProbeResult([{ "@type": "General", Format: "PDF" }])).toMatchObject({ container: "PDF", duration: null, width: null });
  });
});
