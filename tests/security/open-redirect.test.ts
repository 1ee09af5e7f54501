import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_AFTER_SIGN_IN, safeNextPath } from "@/lib/auth/safe-next-path";

const APP = "https://biblio.example";

/** Where a browser ends up after `router.replace(next)` or a `Location: next` redirect from the app. */
function landing(next: string): URL {
  // WHATWG URL parsing is what the browser does: it strips tabs and newlines and reads `\` as `/`.
  return new URL(next, `${APP}/sign-in`);
}

describe("sign-in `next` (open redirect)", () => {
  it("sends the reported payloads, and their relatives, to the default page", () => {
    const payloads = [
      "/%09/evil.example",
      "/%0A/evil.example",
      "/%0D/evil.example",
      "/\t/evil.example",
      "/\n/evil.example",
      "//evil.example",
      "/\\evil.example",
      "/%5Cevil.example",
      "/%2F/evil.example",
      "/.//evil.example",
      "https://evil.example",
      "javascript:alert(1)",
      " /evil",
      "",
    ];
    for (const p of payloads) {
      const next = safeNextPath(p);
      expect(landing(next).origin, JSON.stringify(p)).toBe(APP);
    }
    expect(safeNextPath("/%09/evil.example")).toBe(DEFAULT_AFTER_SIGN_IN);
    expect(safeNextPath("/%0A/evil.example")).toBe(DEFAULT_AFTER_SIGN_IN);
  });

  it("keeps every accepted value on the app's own origin, decoded or not (20,000 generated values)", () => {
    const piece = fc.constantFrom(
      "/",
      "//",
      "\\",
      "\t",
      "\n",
      "%09",
      "%0A",
      "%2F",
      "%5C",
      ".",
      "..",
      "evil.example",
      ":",
      "@",
      "?",
      "#",
      "http:",
      "https:",
      "javascript:",
      "%25",
      "\u0000",
    );
    const candidate = fc.oneof(
      fc.string(),
      fc.array(piece, { maxLength: 8 }).map((a) => a.join("")),
      fc.webUrl(),
      fc.webPath(),
    );
    fc.assert(
      fc.property(candidate, (value) => {
        const next = safeNextPath(value);
        expect(landing(next).origin).toBe(APP);
        // The forms decode nothing, but a later hop might: the decoded form must stay home too.
        let decoded = next;
        try {
          decoded = decodeURIComponent(next);
        } catch {}
        expect(landing(decoded).origin).toBe(APP);
      }),
      { numRuns: 20_000 },
    );
  });

  it("still returns ordinary in-app paths unchanged", () => {
    for (const p of ["/projects", "/uploads/upl_1?tab=timeline", "/admin/uploads?status=failed#top"]) expect(safeNextPath(p)).toBe(p);
  });
});
