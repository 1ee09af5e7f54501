import { createHash } from "node:crypto";
import type { HeaderMap } from "./headers.js";

export interface DedupRecord {
  key: string;
  expiresAt: number;
  /** The exact response given to the first request, replayed (with deduplicated:true) to later ones. */
  response: unknown;
}

/**
 * Dedup ids live for a fixed window, so entries expire in insertion order and the Map's
 * iteration order doubles as an expiry queue: pruning never scans live entries.
 */
export class DedupIndex {
  private map = new Map<string, DedupRecord>();
  /** Ids that expired before their window because the index was full. */
  evictedEarly = 0;
  constructor(
    public windowMs: number,
    private maxSize = Infinity,
  ) {}

  get(key: string, now = Date.now()): DedupRecord | undefined {
    this.prune(now);
    const r = this.map.get(key);
    return r && r.expiresAt > now ? r : undefined;
  }

  put(key: string, response: unknown, now = Date.now()): DedupRecord {
    const rec = { key, expiresAt: now + this.windowMs, response };
    this.map.delete(key);
    this.map.set(key, rec);
    while (this.map.size > this.maxSize) {
      this.map.delete(this.map.keys().next().value!);
      this.evictedEarly++;
    }
    return rec;
  }

  restore(rec: DedupRecord): void {
    if (rec.expiresAt <= Date.now()) return;
    this.map.set(rec.key, rec);
    if (this.map.size > this.maxSize) this.map.delete(this.map.keys().next().value!);
  }

  prune(now = Date.now()): void {
    for (const [k, r] of this.map) {
      if (r.expiresAt > now) break;
      this.map.delete(k);
    }
  }

  values(): IterableIterator<DedupRecord> {
    return this.map.values();
  }

  get size(): number {
    return this.map.size;
  }
}

export function contentDedupKey(scope: string, destination: string, body: Buffer, header: HeaderMap): string {
  const h = createHash("sha256");
  h.update(scope).update("\0").update(destination).update("\0");
  for (const k of Object.keys(header).sort()) h.update(k.toLowerCase()).update(":").update(header[k].join(",")).update("\0");
  h.update(body);
  return `content:${h.digest("hex")}`;
}
