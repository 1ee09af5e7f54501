import type { StoredPart } from "@/lib/storage/objects";
import { partCountFor, partSizeFor } from "./part-size";

export type PartsVerdict =
  | { complete: true; parts: StoredPart[] }
  | { complete: false; missing: number; wrongSize: number; storedBytes: number; expectedParts: number };

/**
 * Whether the parts S3 lists account for every declared byte at the expected part sizes:
 * parts 1..N, each exactly the part size, the last the remainder. ListParts is not
 * authoritative while parts are still in flight, so anything less (a part missing, one
 * still growing, one of another size) is "not yet", never "complete".
 */
export function checkParts(declaredSize: number, parts: StoredPart[]): PartsVerdict {
  const partSize = partSizeFor(declaredSize);
  const count = partCountFor(declaredSize, partSize);
  const byNumber = new Map(parts.map((p) => [p.partNumber, p]));
  let missing = 0;
  let wrongSize = 0;
  for (let n = 1; n <= count; n++) {
    const part = byNumber.get(n);
    const want = n < count ? partSize : declaredSize - partSize * (count - 1);
    if (!part) missing++;
    else if (part.size !== want) wrongSize++;
  }
  wrongSize += parts.filter((p) => p.partNumber > count).length;
  const storedBytes = parts.reduce((sum, p) => sum + p.size, 0);
  if (missing || wrongSize || storedBytes !== declaredSize) return { complete: false, missing, wrongSize, storedBytes, expectedParts: count };
  return { complete: true, parts: parts.filter((p) => p.partNumber <= count) };
}
