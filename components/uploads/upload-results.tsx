import type { AnalysisOptions, ProbeResult, UploadResults as Results, UploadStatus } from "@/lib/client/upload-types";
import { formatDuration } from "@/lib/format/duration";

type Props = {
  status: UploadStatus;
  result: Results | null;
  options: Partial<AnalysisOptions> | null;
  declaredType: string;
  realType: string | null;
};

function formatBitrate(bps: number): string {
  return bps >= 1_000_000 ? `${(bps / 1_000_000).toFixed(1)} Mb/s` : `${Math.round(bps / 1000)} kb/s`;
}

function channelsText(channels: number): string {
  return channels === 1 ? "1 (mono)" : channels === 2 ? "2 (stereo)" : String(channels);
}

function probeRows(probe: ProbeResult): [string, string][] {
  const rows: [string, string | null][] = [
    ["Container", probe.container ?? null],
    ["Duration", probe.duration != null ? formatDuration(probe.duration * 1000, { clock: true }) : null],
    ["Video codec", probe.videoCodec ?? null],
    ["Resolution", probe.width && probe.height ? `${probe.width} × ${probe.height}` : null],
    ["Frame rate", probe.frameRate != null ? `${Number(probe.frameRate.toFixed(3))} fps` : null],
    ["Audio codec", probe.audioCodec ?? null],
    ["Sample rate", probe.sampleRate != null ? `${(probe.sampleRate / 1000).toFixed(1).replace(/\.0$/, "")} kHz` : null],
    ["Channels", probe.channels != null ? channelsText(probe.channels) : null],
    ["Bitrate", probe.bitrate != null ? formatBitrate(probe.bitrate) : null],
  ];
  return rows.filter((row): row is [string, string] => row[1] !== null);
}

function NotRun({ requested, status }: { requested: boolean | undefined; status: UploadStatus }) {
  if (requested === false) return <p className="muted">Not requested for this upload.</p>;
  if (status === "processed") return <p className="muted">No result was recorded.</p>;
  if (status === "failed" || status === "rejected" || status === "expired" || status === "aborted") {
    return <p className="muted">Not available.</p>;
  }
  return <p className="muted">Appears when processing finishes.</p>;
}

/** What the worker found: checksum, real content type and media details. */
export function UploadResults({ status, result, options, declaredType, realType }: Props) {
  const checksum = result?.checksum;
  const sniffed = result?.sniff?.mime ?? realType;
  const probe = result?.probe;
  const rows = probe ? probeRows(probe) : [];

  return (
    <div className="results" data-testid="upload-results">
      <section className="result-block" aria-labelledby="result-checksum">
        <h3 id="result-checksum">Checksum</h3>
        {checksum ? (
          <dl className="kv">
            <dt>SHA-256</dt>
            <dd>
              <code className="hash" data-testid="result-sha256">
                {checksum.sha256}
              </code>
            </dd>
            {checksum.etagMatches != null && (
              <>
                <dt>Storage ETag</dt>
                <dd>{checksum.etagMatches ? "Matches the stored object" : "Does not match the stored object"}</dd>
              </>
            )}
          </dl>
        ) : (
          <NotRun requested={options?.checksum} status={status} />
        )}
      </section>

      <section className="result-block" aria-labelledby="result-type">
        <h3 id="result-type">Content type</h3>
        <dl className="kv">
          <dt>Declared</dt>
          <dd>{declaredType || "unknown"}</dd>
          {sniffed ? (
            <>
              <dt>Detected</dt>
              <dd data-testid="result-mime">
                {sniffed}
                {sniffed !== declaredType && <span className="muted"> (differs from the declared type)</span>}
              </dd>
            </>
          ) : null}
        </dl>
        {!sniffed && <NotRun requested={options?.sniff} status={status} />}
      </section>

      <section className="result-block" aria-labelledby="result-probe">
        <h3 id="result-probe">Media details</h3>
        {rows.length ? (
          <dl className="kv" data-testid="result-probe">
            {rows.map(([label, value]) => (
              <div key={label} className="kv-row">
                <dt>{label}</dt>
                <dd>{value}</dd>
              </div>
            ))}
          </dl>
        ) : probe ? (
          <p className="muted">This file has no audio or video streams to describe.</p>
        ) : (
          <NotRun requested={options?.probe} status={status} />
        )}
      </section>
    </div>
  );
}
