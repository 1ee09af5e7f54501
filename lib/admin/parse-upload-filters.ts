import { z } from "zod";
import { ApiError, zodToApiError } from "@/lib/api/errors";
import { ADMIN_TYPE_FAMILIES, type AdminCursor, type AdminUploadFilters } from "@/lib/db/queries/admin-uploads";
import { findUserByIdOrEmail } from "@/lib/db/queries/admin-users";
import { UPLOAD_SOURCES, UPLOAD_STATUSES } from "@/lib/db/schema";
import { decodePageCursor } from "./page-cursor";

export type SearchParams = Record<string, string | string[] | undefined>;

const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "use YYYY-MM-DD")
  // `2026-13-45` matches the pattern but is no date; turning it into one would throw later.
  .refine((v) => !Number.isNaN(Date.parse(v)) && new Date(v).toISOString().startsWith(v), "is not a calendar date");
const optional = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (Array.isArray(v) ? v[0] : v) || undefined, schema.optional());

export const UPLOAD_FILTERS = z.object({
  status: optional(z.enum(UPLOAD_STATUSES)),
  user: optional(z.string().trim().max(320)),
  project: optional(z.string().trim().max(100)),
  source: optional(z.enum([...UPLOAD_SOURCES, "none"])),
  type: optional(z.enum(ADMIN_TYPE_FAMILIES)),
  from: optional(day),
  to: optional(day),
  q: optional(z.string().trim().max(200)),
  cursor: optional(z.string().max(200)),
});

export type UploadFilterInput = z.infer<typeof UPLOAD_FILTERS>;

export type ParsedUploadFilters = {
  input: UploadFilterInput;
  filters: AdminUploadFilters;
  cursor: AdminCursor | null;
  /** A user filter that names nobody: the list is empty and the page says so. */
  unknownUser: boolean;
  invalid: string[];
};

/**
 * Turns the uploads page's query string into query filters. `strict` (the JSON API)
 * answers a bad field with 422; the page drops the bad field and names it instead.
 */
export async function parseUploadFilters(params: SearchParams, opts: { strict: boolean }): Promise<ParsedUploadFilters> {
  const invalid: string[] = [];
  let input: UploadFilterInput;
  const parsed = UPLOAD_FILTERS.safeParse(params);
  if (parsed.success) input = parsed.data;
  else {
    if (opts.strict) throw zodToApiError(parsed.error);
    const bad = new Set(parsed.error.issues.map((i) => String(i.path[0])));
    invalid.push(...bad);
    input = UPLOAD_FILTERS.parse(Object.fromEntries(Object.entries(params).filter(([k]) => !bad.has(k))));
  }

  const filters: AdminUploadFilters = { status: input.status, projectId: input.project, source: input.source, type: input.type, q: input.q };
  if (input.from) filters.from = new Date(`${input.from}T00:00:00Z`);
  // `to` is a calendar day and inclusive for the reader: everything before the next midnight.
  if (input.to) filters.to = new Date(new Date(`${input.to}T00:00:00Z`).getTime() + 86_400_000);

  let unknownUser = false;
  if (input.user) {
    const found = await findUserByIdOrEmail(input.user);
    if (found) filters.ownerId = found.id;
    else unknownUser = true;
  }

  const cursor = decodePageCursor(input.cursor);
  if (input.cursor && !cursor) {
    if (opts.strict) throw new ApiError("unprocessable_entity", "cursor: not a cursor this API issued");
    invalid.push("cursor");
  }
  return { input, filters, cursor, unknownUser, invalid };
}

/** The query string for the same filters on another page (or with one filter changed). */
export function uploadFiltersHref(input: UploadFilterInput, change: Partial<UploadFilterInput> = {}): string {
  const merged: Record<string, string | undefined> = { ...input, cursor: undefined, ...change };
  const qs = new URLSearchParams(Object.entries(merged).filter((e): e is [string, string] => Boolean(e[1])));
  const s = qs.toString();
  return `/admin/uploads${s ? `?${s}` : ""}`;
}
