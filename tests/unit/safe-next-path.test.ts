import { describe, expect, it } from "vitest";
import { DEFAULT_AFTER_SIGN_IN, safeNextPath } from "@/lib/auth/safe-next-path";

describe("safeNextPath", () => {
  it.each(["/projects/prj_1", "/uploads/upl_1?tab=results#timeline", "/admin/uploads?q=a%2Fb"])("keeps the same-origin path %s", (path) => {
    expect(safeNextPath(path)).toBe(path);
  });

  it.each([
    ["tab inside the path", "/\t/evil.example"],
    ["newline inside the path", "/\n/evil.example"],
    ["carriage return", "/\r/evil.example"],
    ["encoded tab", "/%09/evil.example"],
    ["encoded newline", "/%0A/evil.example"],
    ["backslash", "/\\evil.example"],
    ["encoded backslash", "/%5Cevil.example"],
    ["protocol-relative", "//evil.example"],
    ["encoded protocol-relative", "/%2F/evil.example"],
    ["dot segment into //", "/.//evil.example"],
    ["absolute URL", "https://evil.example/"],
    ["javascript scheme", "javascript:alert(1)"],
    ["relative path", "evil.example"],
    ["malformed escape", "/%E0%A4%A"],
    ["sign-in loop", "/sign-in?next=/projects"],
    ["sign-up loop", "/sign-up"],
    ["empty", ""],
  ])("falls back to the default for a %s", (_what, next) => {
    expect(safeNextPath(next)).toBe(DEFAULT_AFTER_SIGN_IN);
  });

  it("takes the first of repeated parameters and the default when absent", () => {
    expect(safeNextPath(["/projects/a", "//evil.example"])).toBe("/projects/a");
    expect(safeNextPath(undefined)).toBe(DEFAULT_AFTER_SIGN_IN);
  });

  it("never returns a value a browser would resolve off-origin", () => {
    const tricky = ["/\t/evil.example", "/%09/evil.example", "/.//evil.example", "/\\/evil.example", "/ /evil.example"];
    for (const next of tricky) {
      const resolved = new URL(safeNextPath(next), "https://biblio.example");
      expect(resolved.origin).toBe("https://biblio.example");
    }
  });
});
