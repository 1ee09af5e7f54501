import type { UploadView } from "@/lib/client/upload-types";

/** Newest first, as the server pages them: created_at DESC, id DESC. */
function newerFirst(a: UploadView, b: UploadView): number {
  const at = String(b.createdAt ?? "").localeCompare(String(a.createdAt ?? ""));
  return at !== 0 ? at : b.id.localeCompare(a.id);
}

/**
 * The Files table's rows: the pages loaded so far, with each row replaced by its live
 * version when one arrived. A live row not on a loaded page is new (prepended in order)
 * unless it is older than the last loaded row while older pages remain: it then belongs
 * to a page not loaded yet. Deleted uploads leave the list.
 */
export function mergeLiveUploads(loaded: UploadView[], live: ReadonlyMap<string, UploadView>, morePages: boolean): UploadView[] {
  const oldest = loaded[loaded.length - 1];
  const seen = new Set(loaded.map((u) => u.id));
  const added = [...live.values()].filter((u) => !seen.has(u.id) && (!morePages || !oldest || newerFirst(u, oldest) < 0));
  const rows = loaded.map((u) => live.get(u.id) ?? u);
  return (added.length ? [...rows, ...added].sort(newerFirst) : rows).filter((u) => u.status !== "deleted");
}
