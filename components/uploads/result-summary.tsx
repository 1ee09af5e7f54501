import type { UploadResults } from "@/lib/client/upload-types";
import { summarizeResult } from "@/lib/processors/catalog";

/** One line of what processing found, for lists; the upload's own page has the full view. */
export function ResultSummary({ result }: { result: UploadResults | null }) {
  const parts = summarizeResult(result);
  if (!parts.length) return null;
  return (
    <p className="result-summary" data-testid="result-summary">
      {parts.join(" · ")}
    </p>
  );
}
