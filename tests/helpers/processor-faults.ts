import { vi } from "vitest";
import { PermanentJobError, TemporaryJobError } from "@/lib/jobs/job-errors";
import { CHECKSUM_PROCESSOR } from "@/lib/processors/checksum";
import { PROBE_PROCESSOR } from "@/lib/processors/probe";
import type { Processor, ProcessorContext } from "@/lib/processors/processor";
import { SNIFF_PROCESSOR } from "@/lib/processors/sniff";

/**
 * Faults injected by the test setup around the real processors, so the shipped code
 * carries no test switch. The route handlers run in the test process (worker harness),
 * so a spy on a processor object is what the worker calls. `vi.restoreAllMocks()` (or
 * the returned `restore`) removes it.
 */
const PROCESSORS = { checksum: CHECKSUM_PROCESSOR, probe: PROBE_PROCESSOR, sniff: SNIFF_PROCESSOR } as const;
type Name = keyof typeof PROCESSORS;

function wrap(name: Name, around: (ctx: ProcessorContext, real: (ctx: ProcessorContext) => Promise<unknown>) => Promise<unknown>) {
  const processor = PROCESSORS[name] as Processor<unknown>;
  const real = processor.run.bind(processor);
  const spy = vi.spyOn(processor, "run").mockImplementation((ctx) => around(ctx, real));
  return { restore: () => spy.mockRestore() };
}

/** The processor throws a temporary error on attempts below `attempts`, then works. */
export function failFirstAttempts(name: Name, attempts: number) {
  return wrap(name, (ctx, real) => {
    if (ctx.attempt < attempts) throw new TemporaryJobError(`Injected fault: ${name} fails attempt ${ctx.attempt}.`);
    return real(ctx);
  });
}

/** The processor fails permanently (a processor bug, later fixed and replayed). */
export function failPermanently(name: Name) {
  return wrap(name, () => {
    throw new PermanentJobError(`Injected fault: ${name} fails permanently.`, "injected");
  });
}

/**
 * The processor waits at a gate until the test opens it: `entered` counts the jobs
 * that reached the gate, so a test can wait on that signal instead of on a clock.
 */
export function holdAtGate(name: Name, hold: (ctx: ProcessorContext) => boolean = () => true) {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  const entered: string[] = [];
  const fault = wrap(name, async (ctx, real) => {
    if (!hold(ctx)) return real(ctx);
    entered.push(ctx.payload.uploadId);
    await opened;
    return real(ctx);
  });
  return { ...fault, open, entered };
}
