import type { SearchParams } from "./parse-upload-filters";

/** The `cursor` of an admin list's query string, when there is exactly one. */
export function cursorParam(sp: SearchParams): string | undefined {
  return typeof sp.cursor === "string" ? sp.cursor : undefined;
}
