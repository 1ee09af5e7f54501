import type { ReactNode } from "react";

export type Column<Row> = {
  header: ReactNode;
  cell: (row: Row) => ReactNode;
  /** Class of the column's cells (e.g. `admin-mono`). */
  className?: string;
  /** Right-aligned figures: applies to the header too. */
  num?: boolean;
  /** Header read by screen readers only (action columns). */
  hiddenHeader?: boolean;
};

type Props<Row> = {
  rows: readonly Row[];
  columns: readonly Column<Row>[];
  rowKey: (row: Row) => string | number;
  /** Extra attributes per row, e.g. `data-testid` for tests. */
  rowProps?: (row: Row) => Record<`data-${string}`, string | undefined>;
  /** What the table lists, for screen readers that land on its scroll region. */
  label: string;
  testId?: string;
  /** Shown instead of the table when there are no rows; omit to show nothing. */
  empty?: ReactNode;
  emptyTestId?: string;
};

/** Every admin list: one scrollable table, or a note when there is nothing to list. */
export function DataTable<Row>({ rows, columns, rowKey, rowProps, label, testId, empty, emptyTestId }: Props<Row>) {
  if (!rows.length) {
    return empty ? (
      <p className="admin-note" data-testid={emptyTestId}>
        {empty}
      </p>
    ) : null;
  }
  const cellClass = (c: Column<Row>) => [c.className, c.num ? "admin-num" : undefined].filter(Boolean).join(" ") || undefined;
  return (
    <ScrollRegion label={label}>
      <table className="admin-table" data-testid={testId}>
        <thead>
          <tr>
            {columns.map((c, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: columns are a fixed list.
              <th key={i} scope="col" className={c.num ? "admin-num" : undefined}>
                {c.hiddenHeader ? <span className="visually-hidden">{c.header}</span> : c.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={rowKey(row)} {...rowProps?.(row)}>
              {columns.map((c, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: columns are a fixed list.
                <td key={i} className={cellClass(c)}>
                  {c.cell(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollRegion>
  );
}

/**
 * A table wrapper that scrolls sideways inside itself, so the page never does. It takes
 * focus (axe: scrollable-region-focusable), so keyboard users can scroll it with the arrows.
 */
export function ScrollRegion({ label, children }: { label: string; children: ReactNode }) {
  return (
    // A named group, not a region: a landmark would repeat its section's heading (axe landmark-unique).
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a table wider than the screen scrolls, and keyboard users must reach it.
    // biome-ignore lint/a11y/useSemanticElements: a fieldset is for form controls; this wraps a table.
    <div className="admin-table-wrap" tabIndex={0} role="group" aria-label={label}>
      {children}
    </div>
  );
}
