import type { UploadResults } from "@/lib/client/upload-types";

function shortHash(hash: string): string {
  return hash.length > 16 ? `${hash.slice(0, 8)}…${hash.slice(-8)}` : hash;
}

/** One line of what processing found, for lists; the upload's own page has the full view. */
export function ResultSummary({ result }: { result: UploadResults | null }) {
  if (!result) return null;
  const parts: string[] = [];
  if (result.sniff?.mime) parts.push(result.sniff.mime);
  const probe = result.probe;
  if (probe?.width && probe.height) parts.push(`${probe.width}×${probe.height}`);
  if (probe?.videoCodec) parts.push(probe.videoCodec);
  if (probe?.audioCodec) parts.push(probe.audioCodec);
  if (probe?.duration != null) parts.push(`${probe.duration.toFixed(1)} s`);
  return (
    <p className="result-summary" data-testid="result-summary">
      {result.checksum?.sha256 && (
        <span>
          SHA-256 <code title={result.checksum.sha256}>{shortHash(result.checksum.sha256)}</code>
          {parts.length ? " · " : ""}
        </span>
      )}
      {parts.join(" · ")}
    </p>
  );
}
