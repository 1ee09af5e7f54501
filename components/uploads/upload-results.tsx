import type { AnalysisOptions, DerivedPreviews, UploadResults as Results, UploadStatus } from "@/lib/client/upload-types";
import type { DerivedKind } from "@/lib/db/schema";
import { PROCESSOR_NAMES, PROCESSORS, type ProcessorName, type ResultView } from "@/lib/processors/catalog";

type Props = {
  status: UploadStatus;
  result: Results | null;
  options: Partial<AnalysisOptions> | null;
  declaredType: string;
  realType: string | null;
  previews: DerivedPreviews;
};

const PREVIEW_ALT: Record<DerivedKind, string> = {
  thumbnail: "Poster frame",
  storyboard: "Storyboard: frames from across the video",
  "storyboard-vtt": "",
};

function NotRun({ requested, applies, status }: { requested: boolean | undefined; applies: boolean; status: UploadStatus }) {
  if (requested === false) return <p className="muted">Not requested for this upload.</p>;
  if (!applies) return <p className="muted">Not applicable to this type of file.</p>;
  if (status === "processed") return <p className="muted">No result was recorded.</p>;
  if (status === "failed" || status === "rejected" || status === "expired" || status === "aborted" || status === "deleted") {
    return <p className="muted">Not available.</p>;
  }
  return <p className="muted">Appears when processing finishes.</p>;
}

function ResultBlock({ name, view, previews }: { name: ProcessorName; view: ResultView; previews: DerivedPreviews }) {
  return (
    <>
      {view.previews?.map((kind) => {
        const preview = previews[kind];
        return preview ? (
          // biome-ignore lint/performance/noImgElement: a short-lived signed URL; next/image would proxy and cache it past its expiry.
          <img
            key={kind}
            className={`result-preview result-preview-${kind}`}
            src={preview.url}
            alt={PREVIEW_ALT[kind]}
            width={preview.width ?? undefined}
            height={preview.height ?? undefined}
            data-testid={`result-${kind}`}
          />
        ) : null;
      })}
      {view.fields?.length ? (
        <dl className="kv" data-testid={`result-${name}`}>
          {view.fields.map((f) => (
            <div key={f.label} className="kv-row">
              <dt>{f.label}</dt>
              <dd data-testid={f.testId}>{f.code ? <code className="hash">{f.value}</code> : f.value}</dd>
            </div>
          ))}
        </dl>
      ) : null}
      {view.note ? <p className="muted">{view.note}</p> : null}
    </>
  );
}

/** What the worker found, one block per processor in the catalog (lib/processors/catalog.ts). */
export function UploadResults({ status, result, options, declaredType, realType, previews }: Props) {
  const type = realType ?? declaredType;
  return (
    <div className="results" data-testid="upload-results">
      {PROCESSOR_NAMES.map((name) => {
        const def = PROCESSORS[name];
        const value = result?.[name];
        const view = (def.view as (r: unknown, u: { type: string; realType: string | null }) => ResultView)(value, { type: declaredType, realType });
        return (
          <section key={name} className="result-block" aria-labelledby={`result-heading-${name}`}>
            <h3 id={`result-heading-${name}`}>{def.label}</h3>
            <ResultBlock name={name} view={view} previews={previews} />
            {value === undefined && <NotRun requested={options?.[name]} applies={def.appliesTo(type)} status={status} />}
          </section>
        );
      })}
    </div>
  );
}
