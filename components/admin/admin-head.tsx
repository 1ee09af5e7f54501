import type { ReactNode } from "react";

/** An admin page's title, its actions on the right, and one line on what the page shows. */
export function AdminHead({ title, sub, children }: { title: string; sub?: ReactNode; children?: ReactNode }) {
  return (
    <>
      <div className="admin-head">
        <h1>{title}</h1>
        {children}
      </div>
      {sub ? <p className="admin-sub">{sub}</p> : null}
    </>
  );
}
