import { describe, expect, it } from "vitest";
import { sameFamily, sniffType } from "@/lib/pipeline/sniff-type";
import { PLANS, isTypeAllowed } from "@/lib/plans/plans";
import { MAX_PARTS, MIN_PART_SIZE, partCountFor, partSizeFor } from "@/lib/uploads/part-size";
import { nameProblem, safeKeyName } from "@/lib/uploads/safe-name";
import { newUploadId, storageKeyFor, uploadIdFromKey } from "@/lib/uploads/upload-id";

const bytes = (...parts: (string | number[])[]) =>
  new Uint8Array(parts.flatMap((p) => (typeof p === "string" ? [...p].map((c) => c.charCodeAt(0)) : p)));

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

describe("sniffType", () => {
  it("recognises the allowed formats from their first bytes", () => {
    expect(sniffType(bytes("%PDF-1.7"))).toBe("application/pdf");
    expect(sniffType(bytes([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe("image/png");
    expect(sniffType(bytes([0, 0, 0, 0x20], "ftypisom"))).toBe("video/mp4");
    expect(sniffType(bytes([0, 0, 0, 0x14], "ftypqt  "))).toBe("video/quicktime");
    expect(sniffType(bytes("ID3", [4, 0]))).toBe("audio/mpeg");
    expect(sniffType(bytes([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x82, 0x84], "webm"))).toBe("video/webm");
  });
  it("returns null for text and executables", () => {
    expect(sniffType(bytes("hello world"))).toBeNull();
    expect(sniffType(bytes([0x7f], "ELF"))).toBeNull();
  });
  it("compares families, not exact types", () => {
    expect(sameFamily("video/mp4", "video/quicktime")).toBe(true);
    expect(sameFamily("video/mp4", "image/png")).toBe(false);
    expect(sameFamily("application/pdf", "application/pdf")).toBe(true);
  });
});

describe("plans", () => {
  it("allow media and PDF, nothing else", () => {
    expect(isTypeAllowed(PLANS.free, "video/mp4")).toBe(true);
    expect(isTypeAllowed(PLANS.free, "application/pdf")).toBe(true);
    expect(isTypeAllowed(PLANS.free, "application/zip")).toBe(false);
    expect(isTypeAllowed(PLANS.free, "video/")).toBe(false);
    expect(PLANS.pro.maxFileSize).toBe(200 * 2 ** 30);
  });
});
