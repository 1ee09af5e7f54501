/**
 * Pretty JSON for raw metadata, results and timeline details. The block scrolls when the
 * JSON is long or wide, so it takes focus and is named for keyboard and screen-reader users.
 */
export function JsonBlock({ value, compact = false, label = "JSON data" }: { value: unknown; compact?: boolean; label?: string }) {
  if (value === null || value === undefined || (typeof value === "object" && Object.keys(value as object).length === 0)) {
    return <span className="muted">—</span>;
  }
  return (
    // A named group, not a region: many blocks on one page would be landmarks with one name (axe landmark-unique).
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling block must be reachable by keyboard.
    // biome-ignore lint/a11y/useSemanticElements: a fieldset is for form controls; this is a scrolling block of text.
    <div className={compact ? "admin-json compact" : "admin-json"} tabIndex={0} role="group" aria-label={label}>
      <pre>{JSON.stringify(value, null, compact ? 0 : 2)}</pre>
    </div>
  );
}
