import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { detectType, typeMatches } from "@/lib/pipeline/sniff-type";
import { isTypeAllowed, PLANS } from "@/lib/plans/plans";
import { MAX_PARTS, MIN_PART_SIZE, partCountFor, partSizeFor } from "@/lib/uploads/part-size";
import { nameProblem, safeKeyName } from "@/lib/uploads/safe-name";
import { newUploadId, storageKeyFor, uploadIdFromKey } from "@/lib/uploads/upload-id";

const bytes = (...parts: (string | number[])[]) => new Uint8Array(parts.flatMap((p) => (typeof p === "string" ? [...p].map((c) => c.charCodeAt(0)) : p)));

describe("safeKeyName", () => {
  it("drops path separators and dot segments", () => {
    expect(safeKeyName("../../etc/passwd")).toBe("passwd");
    expect(safeKeyName("a\\b\\..\\evil.mp4")).toBe("evil.mp4");
  });
  it("replaces control characters and spaces", () => {
    expect(safeKeyName("my\u0000 holiday\n video.MP4")).toBe("my-holiday-video.mp4");
  });
  it("transliterates accents and falls back to 'file'", () => {
    expect(safeKeyName("Crème brûlée.mov")).toBe("Creme-brulee.mov");
    expect(safeKeyName("日本語.png")).toBe("file.png");
    expect(safeKeyName("...")).toBe("file");
  });
  it("caps the length but keeps the extension", () => {
    const name = safeKeyName(`${"a".repeat(500)}.webm`);
    expect(name.length).toBeLessThanOrEqual(120);
    expect(name.endsWith(".webm")).toBe(true);
  });
  it("refuses names over 255 bytes or blank", () => {
    expect(nameProblem("é".repeat(128))).toMatch(/255 bytes/);
    expect(nameProblem("   ")).toMatch(/empty/);
    expect(nameProblem("fine.mp4")).toBeNull();
  });
});

describe("upload ids and keys", () => {
  it("are time-ordered and round-trip through the key", () => {
    const a = newUploadId();
    const b = newUploadId();
    expect(a < b).toBe(true);
    expect(uploadIdFromKey(storageKeyFor(a, "x.mp4"))).toBe(a);
    expect(uploadIdFromKey("uploads/upl_x/../y")).toBeNull();
    expect(uploadIdFromKey(`other/${a}/x.mp4`)).toBeNull();
  });
});

describe("partSizeFor", () => {
  it("keeps every allowed size under the part limit", () => {
    for (const size of [1, 16 * 2 ** 20, 40 * 2 ** 20, 5 * 2 ** 30, 200 * 2 ** 30]) {
      const part = partSizeFor(size);
      expect(part).toBeGreaterThanOrEqual(MIN_PART_SIZE);
      expect(partCountFor(size, part)).toBeLessThan(MAX_PARTS);
    }
    expect(partSizeFor(40 * 2 ** 20)).toBe(MIN_PART_SIZE);
    expect(partCountFor(40 * 2 ** 20)).toBe(8);
  });
});

describe("detectType", () => {
  const detect = (b: Uint8Array) => detectType(b, async (o, l) => b.subarray(o, o + l), b.length);
  const fixture = (name: string) => new Uint8Array(readFileSync(join(import.meta.dirname, "../fixtures", name)));

  it("recognises the allowed formats from their bytes", async () => {
    expect((await detect(bytes("%PDF-1.7\n%\xe2\xe3\n1 0 obj\n")))?.mime).toBe("application/pdf");
    expect((await detect(fixture("sample.png")))?.mime).toBe("image/png");
    expect((await detect(fixture("sample.mp3")))?.mime).toBe("audio/mpeg");
    expect((await detect(fixture("sample.mov")))?.mime).toBe("video/quicktime");
  });

  it("decides audio or video by the tracks of MP4, WebM and Ogg", async () => {
    expect(await detect(fixture("theora.ogv"))).toEqual({ mime: "video/ogg", tracks: "video", ambiguous: true });
    expect(await detect(fixture("audio-only.webm"))).toEqual({ mime: "audio/webm", tracks: "audio", ambiguous: true });
    expect(await detect(fixture("audio-only.mp4"))).toEqual({ mime: "audio/mp4", tracks: "audio", ambiguous: true });
    expect(await detect(fixture("sample.webm"))).toEqual({ mime: "video/webm", tracks: "video", ambiguous: true });
    expect(await detect(fixture("sample.mp4"))).toEqual({ mime: "video/mp4", tracks: "video", ambiguous: true });
    expect((await detect(fixture("transport-stream.m2t")))?.mime).toBe("video/mp2t");
  });

  it("returns null for text, and names executables so the allowlist can refuse them", async () => {
    expect(await detect(bytes("hello world"))).toBeNull();
    const elf = await detect(bytes([0x7f], "ELF", [2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
    expect(elf?.mime).toBe("application/x-elf");
    expect(isTypeAllowed(PLANS.pro, elf!.mime)).toBe(false);
  });

  it("compares families, and accepts either for a container whose tracks it could not read", () => {
    expect(typeMatches("video/mp4", { mime: "video/quicktime", tracks: "video", ambiguous: true })).toBe(true);
    expect(typeMatches("video/mp4", { mime: "image/png", tracks: null, ambiguous: false })).toBe(false);
    expect(typeMatches("audio/ogg", { mime: "video/ogg", tracks: "video", ambiguous: true })).toBe(false);
    expect(typeMatches("audio/mp4", { mime: "video/mp4", tracks: null, ambiguous: true })).toBe(true);
    expect(typeMatches("audio/mpeg", { mime: "image/png", tracks: null, ambiguous: false })).toBe(false);
  });
});

describe("plans", () => {
  it("allow media and PDF, nothing else", () => {
    expect(isTypeAllowed(PLANS.free, "video/mp4")).toBe(true);
    expect(isTypeAllowed(PLANS.free, "application/pdf")).toBe(true);
    expect(isTypeAllowed(PLANS.free, "application/zip")).toBe(false);
    expect(isTypeAllowed(PLANS.free, "video/")).toBe(false);
    // One allowlist for create and confirm: a type the detector cannot verify is refused up front.
    expect(isTypeAllowed(PLANS.free, "video/mp2t")).toBe(true);
    expect(isTypeAllowed(PLANS.free, "audio/ogg; codecs=opus")).toBe(true);
    expect(isTypeAllowed(PLANS.free, "video/x-unknown-thing")).toBe(false);
    expect(PLANS.pro.maxFileSize).toBe(200 * 2 ** 30);
  });
});
