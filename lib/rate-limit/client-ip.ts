import { getEnv } from "@/lib/env";

/**
 * The caller's IP, read only from the header a trusted proxy sets (TRUSTED_IP_HEADER).
 * Without one configured there is no per-IP key at all: any client can write
 * X-Forwarded-For, so trusting it would let a caller pick its own bucket. A proxy that
 * appends to a list puts the address it saw last, so the last entry is the one it vouches for.
 */
export function clientIp(headers: Headers): string | null {
  const name = getEnv().TRUSTED_IP_HEADER;
  if (!name) return null;
  const value = headers.get(name);
  const last = value?.split(",").at(-1)?.trim();
  return last && last.length <= 64 ? last : null;
}
