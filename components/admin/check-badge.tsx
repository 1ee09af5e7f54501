const LOOK = {
  ok: { tone: "ok", label: "OK" },
  warn: { tone: "warn", label: "Warning" },
  fail: { tone: "bad", label: "Failing" },
} as const;

export function CheckBadge({ status }: { status: keyof typeof LOOK }) {
  return <span className={`badge ${LOOK[status].tone}`}>{LOOK[status].label}</span>;
}
