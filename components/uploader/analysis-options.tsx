import type { AnalysisOptions as Options } from "@/lib/client/upload-types";

const CHOICES: { key: keyof Options; label: string; hint: string }[] = [
  { key: "checksum", label: "Checksum", hint: "SHA-256 of the whole file" },
  { key: "sniff", label: "Content type", hint: "the real type, from the file's first bytes" },
  { key: "probe", label: "Media details", hint: "codecs, resolution, duration" },
];

type Props = { value: Options; onChange: (next: Options) => void };

/** Which analyses run on the files of the next upload batch. */
export function AnalysisOptions({ value, onChange }: Props) {
  return (
    <fieldset className="analysis-options" data-testid="analysis-options">
      <legend>Analyse each file for</legend>
      {CHOICES.map(({ key, label, hint }) => (
        <div key={key} className="check">
          <input
            type="checkbox"
            id={`analysis-${key}`}
            checked={value[key]}
            onChange={(event) => onChange({ ...value, [key]: event.target.checked })}
            data-testid={`option-${key}`}
          />
          <label htmlFor={`analysis-${key}`}>
            {label} <span className="muted">— {hint}</span>
          </label>
        </div>
      ))}
    </fieldset>
  );
}
