import Link from "next/link";

/** Keyset pages: back to the newest page, and on to older rows while there are any. */
export function AdminPager(props: { newestHref?: string | null; olderHref?: string | null; olderLabel: string; olderTestId?: string; showEnd?: boolean }) {
  return (
    <nav aria-label="Pages" className="admin-pager">
      {props.newestHref ? <Link href={props.newestHref}>« Newest</Link> : null}
      {props.olderHref ? (
        <Link href={props.olderHref} data-testid={props.olderTestId}>
          {props.olderLabel} »
        </Link>
      ) : props.showEnd ? (
        <span className="muted">End of the list.</span>
      ) : null}
    </nav>
  );
}
