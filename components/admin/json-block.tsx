/** Pretty JSON for raw metadata, results and timeline details. */
export function JsonBlock({ value, compact = false }: { value: unknown; compact?: boolean }) {
  if (value === null || value === undefined || (typeof value === "object" && Object.keys(value as object).length === 0)) {
    return <span className="muted">—</span>;
  }
  return <pre className={compact ? "admin-json compact" : "admin-json"}>{JSON.stringify(value, null, compact ? 0 : 2)}</pre>;
}
