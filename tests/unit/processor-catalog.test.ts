import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { AnalysisOptions } from "@/components/uploader/analysis-options";
import { ResultSummary } from "@/components/uploads/result-summary";
import { UploadResults } from "@/components/uploads/upload-results";
import { ANALYSIS_OPTIONS, JOB_PAYLOAD } from "@/lib/jobs/job-payload";
import { DEFAULT_ANALYSIS_OPTIONS, PROCESSOR_NAMES, PROCESSORS } from "@/lib/processors/catalog";
import { selectProcessors } from "@/lib/processors/index";
import { RUNNERS } from "@/lib/processors/runners";

describe("the processor catalog drives every face", () => {
  it("options: a missing flag takes the catalog default, an unknown one is refused", () => {
    expect(Object.keys(DEFAULT_ANALYSIS_OPTIONS)).toEqual(PROCESSOR_NAMES);
    expect(ANALYSIS_OPTIONS.parse({})).toEqual({ sniff: true, checksum: true, probe: true, thumbnail: true, storyboard: true });
    expect(ANALYSIS_OPTIONS.parse({ storyboard: false })).toMatchObject({ storyboard: false, thumbnail: true });
    expect(ANALYSIS_OPTIONS.safeParse({ watermark: true }).success).toBe(false);
    expect(ANALYSIS_OPTIONS.safeParse({ thumbnail: "yes" }).success).toBe(false);
  });

  it("a job payload from before thumbnails existed still parses, with the new processors at their defaults", () => {
    const payload = JOB_PAYLOAD.parse({
      ...{ v: 1, uploadId: "upl_x", bucket: "b", key: "uploads/upl_x/a.mp4", size: 1, type: "video/mp4", etag: "e" },
      ...{ userId: "u", projectId: "p", plan: "free", confirmedBy: "storage-event", options: { checksum: true, sniff: true, probe: false } },
    });
    expect(payload.options).toEqual({ sniff: true, checksum: true, probe: false, thumbnail: true, storyboard: true });
  });

  it("every catalog entry has a server runner under the same name", () => {
    expect(Object.keys(RUNNERS).sort()).toEqual([...PROCESSOR_NAMES].sort());
    for (const name of PROCESSOR_NAMES) expect(RUNNERS[name].name).toBe(name);
  });

  it("selection follows the options, the plan and the file type", () => {
    const all = DEFAULT_ANALYSIS_OPTIONS;
    expect(selectProcessors({ options: all, plan: "free", type: "video/mp4" })).toEqual(["sniff", "checksum", "probe", "thumbnail", "storyboard"]);
    expect(selectProcessors({ options: all, plan: "free", type: "image/png" })).toEqual(["sniff", "checksum", "probe", "thumbnail"]);
    expect(selectProcessors({ options: all, plan: "pro", type: "application/pdf" })).toEqual(["sniff", "checksum", "probe"]);
    expect(selectProcessors({ options: { ...all, thumbnail: false }, plan: "pro", type: "video/mp4" })).not.toContain("thumbnail");
  });

  it("the uploader shows one checkbox per processor, labelled from the catalog", () => {
    const html = renderToStaticMarkup(createElement(AnalysisOptions, { plan: "free", value: DEFAULT_ANALYSIS_OPTIONS, onChange: () => {} }));
    for (const name of PROCESSOR_NAMES) {
      expect(html).toContain(`data-testid="option-${name}"`);
      expect(html).toContain(PROCESSORS[name].description.replaceAll("'", "&#x27;"));
    }
  });

  it("the results view has a block per processor and shows the derived images", () => {
    const html = renderToStaticMarkup(
      createElement(UploadResults, {
        status: "processed",
        result: {
          sniff: { mime: "video/mp4" },
          thumbnail: { width: 320, height: 240, bytes: 900, atSeconds: 3 },
          storyboard: { width: 800, height: 120, bytes: 5000, tiles: 5, columns: 5, tileWidth: 160, tileHeight: 120, interval: 2 },
        },
        options: { checksum: false },
        declaredType: "video/mp4",
        realType: "video/mp4",
        previews: {
          thumbnail: { url: "https://s3.test/poster?sig", width: 320, height: 240 },
          storyboard: { url: "https://s3.test/sprite?sig", width: 800, height: 120 },
        },
      }),
    );
    for (const name of PROCESSOR_NAMES) expect(html).toContain(`<h3 id="result-heading-${name}">${PROCESSORS[name].label}</h3>`);
    expect(html).toContain('src="https://s3.test/poster?sig"');
    expect(html).toContain('src="https://s3.test/sprite?sig"');
    expect(html).toContain("5, one every 2 s");
    expect(html).toContain("Not requested for this upload.");
    expect(renderToStaticMarkup(createElement(ResultSummary, { result: { sniff: { mime: "video/mp4" } } }))).toContain("video/mp4");
  });

  it('a preview that could not be made renders as "No preview" with its reason; results stored before still parse', () => {
    const reason = "The video's frames could not be decoded for a poster.";
    for (const name of ["thumbnail", "storyboard"] as const) {
      expect(PROCESSORS[name].result.parse({ available: false, reason })).toEqual({ available: false, reason });
      expect(PROCESSORS[name].result.safeParse({ available: false }).success).toBe(false);
    }
    // The shapes stored before previews could degrade.
    expect(PROCESSORS.thumbnail.result.parse({ width: 320, height: 240, bytes: 900, atSeconds: 3 })).toEqual({
      width: 320,
      height: 240,
      bytes: 900,
      atSeconds: 3,
    });
    const board = { width: 800, height: 120, bytes: 5000, tiles: 5, columns: 5, tileWidth: 160, tileHeight: 120, interval: 2 };
    expect(PROCESSORS.storyboard.result.parse(board)).toEqual(board);

    const html = renderToStaticMarkup(
      createElement(UploadResults, {
        status: "processed",
        result: { sniff: { mime: "video/mp4" }, thumbnail: { available: false, reason }, storyboard: { available: false, reason: "The video has no frames." } },
        options: {},
        declaredType: "video/mp4",
        realType: "video/mp4",
        previews: {},
      }),
    );
    expect(html).toContain("No preview: The video&#x27;s frames could not be decoded for a poster.");
    expect(html).toContain("No preview: The video has no frames.");
    expect(html.match(/No preview: /g)).toHaveLength(2);
    const summary = renderToStaticMarkup(createElement(ResultSummary, { result: { sniff: { mime: "video/mp4" }, thumbnail: { available: false, reason } } }));
    expect(summary).toContain("video/mp4 · no preview");
  });
});
