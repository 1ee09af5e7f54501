import { formatBytes } from "@/lib/plans/plans";

export { formatDuration } from "@/lib/format/duration";
export { formatBytes };

/** Server-rendered times are UTC, spelled out, so the page reads the same for every admin. */
export function formatDateTime(value: Date | string | null | undefined): string {
  if (!value) return "—";
  const date = value instanceof Date ? value : new Date(value);
  return `${date.toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

export function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}
