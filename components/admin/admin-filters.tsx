import Link from "next/link";
import type { ReactNode } from "react";

/** A GET form of filters: the URL holds the filter, so every filtered view can be linked. */
export function AdminFilters(props: { action: string; label: string; submitLabel?: string; resetHref?: string | null; children: ReactNode }) {
  return (
    // biome-ignore lint/a11y/useSemanticElements: the form is the search landmark; <search> would add a wrapper for no gain.
    <form method="get" action={props.action} className="admin-filters" role="search" aria-label={props.label}>
      {props.children}
      <div className="actions">
        <button type="submit" className="button small">
          {props.submitLabel ?? "Apply"}
        </button>
        {props.resetHref ? <Link href={props.resetHref}>Reset</Link> : null}
      </div>
    </form>
  );
}

type FieldProps = { id: string; name: string; label: string; defaultValue?: string | null; wide?: boolean };

export function TextFilter(props: FieldProps & { type?: "text" | "date"; placeholder?: string }) {
  return (
    <div className={props.wide ? "wide" : undefined}>
      <label htmlFor={props.id}>{props.label}</label>
      <input id={props.id} type={props.type ?? "text"} name={props.name} defaultValue={props.defaultValue ?? ""} placeholder={props.placeholder} />
    </div>
  );
}

export function SelectFilter(props: FieldProps & { options: readonly string[]; extra?: ReactNode }) {
  return (
    <div className={props.wide ? "wide" : undefined}>
      <label htmlFor={props.id}>{props.label}</label>
      <select id={props.id} name={props.name} defaultValue={props.defaultValue ?? ""}>
        <option value="">Any</option>
        {props.options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
        {props.extra}
      </select>
    </div>
  );
}
