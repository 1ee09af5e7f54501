import { newPublicId } from "@/lib/db/schema";

const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
export const UPLOAD_ID_PATTERN = new RegExp(`^upl_${UUID}$`);
export const UPLOAD_KEY_PREFIX = "uploads/";
const KEY_PATTERN = new RegExp(`^uploads/(upl_${UUID})/[^/]+$`);

/** `upl_` + UUIDv7: time-ordered, so listing keys from a cursor walks arrivals in order. */
export function newUploadId(): string {
  return newPublicId("upl");
}

export function storageKeyFor(uploadId: string, safeName: string): string {
  return `${UPLOAD_KEY_PREFIX}${uploadId}/${safeName}`;
}

/** The upload id a storage key belongs to, or null for keys Biblio did not choose. */
export function uploadIdFromKey(key: string): string | null {
  return KEY_PATTERN.exec(key)?.[1] ?? null;
}
