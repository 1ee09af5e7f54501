import { PermanentJobError } from "@/lib/jobs/job-errors";
import { detectType, SNIFF_BYTES, typeMatches } from "@/lib/pipeline/sniff-type";
import { getPlan, isTypeAllowed } from "@/lib/plans/plans";
import { readHead, readRange } from "@/lib/storage/objects";
import type { Processor, ProcessorContext, SniffResult } from "./processor";

/**
 * The real type from the bytes (the same detector as confirm: file-type, then the tracks
 * of an ambiguous container), checked against what was confirmed.
 */
export async function sniffContent(ctx: ProcessorContext): Promise<SniffResult> {
  const { key, type, plan: planId, size } = ctx.payload;
  let bytes = 0;
  const read = async (offset: number, length: number) => {
    const out = await readRange(key, offset, length);
    bytes += out.byteLength;
    return out;
  };
  const head = await readHead(key, Math.min(SNIFF_BYTES, Math.max(size, 1)));
  bytes += head.byteLength;
  const detected = await detectType(head, read, size);
  ctx.countBytes(bytes);
  if (!detected) throw new PermanentJobError("The file's contents are not a recognised video, audio, image or PDF format.", "unknown_type");
  const plan = getPlan(planId);
  if (!isTypeAllowed(plan, detected.mime))
    throw new PermanentJobError(`Files of type ${detected.mime} are not allowed on the ${plan.label} plan.`, "type_not_allowed");
  if (!typeMatches(type, detected)) throw new PermanentJobError(`The file was accepted as ${type} but its contents are ${detected.mime}.`, "type_mismatch");
  return { mime: detected.mime };
}

export const SNIFF_PROCESSOR: Processor<SniffResult> = { name: "sniff", run: sniffContent };
