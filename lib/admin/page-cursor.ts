/** Keyset cursors in URLs: `<iso time>|<id>` in base64url, so they survive query strings untouched. */
export function encodePageCursor(cursor: { at: Date; id: string | number }): string {
  return Buffer.from(`${cursor.at.toISOString()}|${cursor.id}`).toString("base64url");
}

export function decodePageCursor(value: string | undefined | null): { at: Date; id: string } | null {
  if (!value) return null;
  const [at, id] = Buffer.from(value, "base64url").toString("utf8").split("|");
  const date = new Date(at ?? "");
  return id && !Number.isNaN(date.getTime()) ? { at: date, id } : null;
}

/** For tables whose ids are bigints (sweeps, audit). */
export function decodeNumericPageCursor(value: string | undefined | null): { at: Date; id: number } | null {
  const cursor = decodePageCursor(value);
  const id = Number(cursor?.id);
  return cursor && Number.isSafeInteger(id) ? { at: cursor.at, id } : null;
}
