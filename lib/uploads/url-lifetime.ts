import { getEnv } from "@/lib/env";

/** Time for the browser to start the request (TLS, queueing behind other files) before bytes flow. */
const START_SECONDS = 60;
export const URL_TTL_MIN_SECONDS = 5 * 60;
export const URL_TTL_MAX_SECONDS = 60 * 60;

/**
 * How long a presigned URL lives: the time `bytes` take at a conservative minimum
 * bandwidth (UPLOAD_MIN_BYTES_PER_SECOND), clamped. A leaked or reused URL is then
 * useless soon after its transfer should have finished, instead of a flat hour.
 */
export function urlLifetimeSeconds(bytes: number): number {
  const seconds = START_SECONDS + Math.ceil(bytes / getEnv().UPLOAD_MIN_BYTES_PER_SECOND);
  return Math.min(URL_TTL_MAX_SECONDS, Math.max(URL_TTL_MIN_SECONDS, seconds));
}
