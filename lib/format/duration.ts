/**
 * The one duration formatter. Elapsed times (admin pages) read as `1.25 s` or `3 min 5 s`;
 * `clock` gives a media length as players show it (`1:02:03.5`, `0:02`).
 */
export function formatDuration(ms: number | null | undefined, opts: { clock?: boolean } = {}): string {
  if (ms === null || ms === undefined) return "—";
  if (opts.clock) return clockText(ms);
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1_000)} s`;
  return `${Math.floor(ms / 3_600_000)} h ${Math.round((ms % 3_600_000) / 60_000)} min`;
}

function clockText(ms: number): string {
  const tenths = Math.round(ms / 100);
  const h = Math.floor(tenths / 36_000);
  const m = Math.floor((tenths % 36_000) / 600);
  const rest = (tenths % 600) / 10;
  const s = Number.isInteger(rest) ? String(rest).padStart(2, "0") : rest.toFixed(1).padStart(4, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}
