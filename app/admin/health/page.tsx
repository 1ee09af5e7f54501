import Link from "next/link";
import { CheckBadge } from "@/components/admin/check-badge";
import { ScrollRegion } from "@/components/admin/data-table";
import { checkAdminHealth } from "@/lib/admin/check-admin-health";
import { formatDateTime } from "@/lib/admin/format";
import { requireAdminPage } from "@/lib/admin/require-admin";

export default async function AdminHealthPage() {
  await requireAdminPage();
  const checks = await checkAdminHealth();
  const failing = checks.filter((c) => c.status !== "ok").length;

  return (
    <>
      <div className="admin-head">
        <h1>Health</h1>
        <Link href="/admin/health" className="button small secondary">
          Check again
        </Link>
      </div>
      <p className="admin-sub">
        Live self-check, run just now ({formatDateTime(new Date())}). {failing ? `${failing} check(s) need attention.` : "Everything is configured."}
      </p>
      <div className="admin-checks">
        {checks.map((c) => (
          <section key={c.id} className="admin-check" data-status={c.status} data-testid={`check-${c.id}`} aria-labelledby={`check-${c.id}-title`}>
            <h2 id={`check-${c.id}-title`}>
              {c.label} <CheckBadge status={c.status} /> <span className="muted admin-nowrap">{c.latencyMs} ms</span>
            </h2>
            <p>{c.summary}</p>
            {c.fix ? (
              <p className="fix">
                <strong>Fix:</strong> {c.fix}
              </p>
            ) : null}
            {c.rows?.length ? (
              <ScrollRegion label={`${c.label}: details`}>
                <table className="admin-table">
                  <thead>
                    <tr>
                      {Object.keys(c.rows[0] ?? {}).map((k) => (
                        <th key={k} scope="col">
                          {k}
                        </th>
                      ))}
                    </tr>
                  </thead>
                  <tbody>
                    {c.rows.map((row, i) => (
                      // biome-ignore lint/suspicious/noArrayIndexKey: check rows have no id and never reorder.
                      <tr key={i}>
                        {Object.entries(row).map(([k, v]) => (
                          <td key={k} className={k === "destination" || k === "scheduleId" ? "admin-mono" : undefined}>
                            {v === null ? "—" : (k === "last" || k === "next") && typeof v === "string" ? formatDateTime(v) : String(v)}
                          </td>
                        ))}
                      </tr>
                    ))}
                  </tbody>
                </table>
              </ScrollRegion>
            ) : null}
          </section>
        ))}
      </div>
    </>
  );
}
