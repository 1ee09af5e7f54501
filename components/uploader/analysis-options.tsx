import type { AnalysisOptions as Options } from "@/lib/client/upload-types";
import type { PlanId } from "@/lib/plans/plans";
import { PROCESSORS, processorsForPlan } from "@/lib/processors/catalog";

type Props = { plan: PlanId; value: Options; onChange: (next: Options) => void };

/** Which analyses run on the files of the next upload batch: the plan's processors, from the catalog. */
export function AnalysisOptions({ plan, value, onChange }: Props) {
  return (
    <fieldset className="analysis-options" data-testid="analysis-options">
      <legend>Analyse each file for</legend>
      {processorsForPlan(plan).map((key) => (
        <div key={key} className="check">
          <input
            type="checkbox"
            id={`analysis-${key}`}
            checked={value[key]}
            onChange={(event) => onChange({ ...value, [key]: event.target.checked })}
            data-testid={`option-${key}`}
          />
          <label htmlFor={`analysis-${key}`}>
            {PROCESSORS[key].label} <span className="muted">— {PROCESSORS[key].description}</span>
          </label>
        </div>
      ))}
    </fieldset>
  );
}
