import { PermanentJobError } from "@/lib/jobs/job-errors";
import { SNIFF_BYTES, sameFamily, sniffType } from "@/lib/pipeline/sniff-type";
import { getPlan, isTypeAllowed } from "@/lib/plans/plans";
import { readHead } from "@/lib/storage/objects";
import type { Processor, ProcessorContext, SniffResult } from "./processor";

/** The real type from the first bytes (one ranged GET), checked against what was confirmed. */
export async function sniffContent(ctx: ProcessorContext): Promise<SniffResult> {
  const { key, type, plan: planId } = ctx.payload;
  const head = await readHead(key, SNIFF_BYTES);
  ctx.countBytes(head.byteLength);
  const mime = sniffType(head);
  if (!mime) throw new PermanentJobError("The file's contents are not a recognised video, audio, image or PDF format.", "unknown_type");
  const plan = getPlan(planId);
  if (!isTypeAllowed(plan, mime)) throw new PermanentJobError(`Files of type ${mime} are not allowed on the ${plan.label} plan.`, "type_not_allowed");
  if (!sameFamily(type, mime)) throw new PermanentJobError(`The file was accepted as ${type} but its contents are ${mime}.`, "type_mismatch");
  return { mime };
}

export const SNIFF_PROCESSOR: Processor<SniffResult> = { name: "sniff", run: sniffContent };
