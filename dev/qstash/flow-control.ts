import { Fifo } from "./fifo.js";
import type { FlowControlSpec, Msg } from "./model.js";

export interface FlowControl {
  key: string;
  parallelism?: number;
  rate?: number;
  periodS: number;
  paused: boolean;
  pinnedParallelism: boolean;
  pinnedRate: boolean;
  wait: Fifo<Msg>;
  active: number;
  rateCount: number;
  rateStart: number;
  timer?: NodeJS.Timeout;
}

export function newFlowControl(key: string): FlowControl {
  return { key, periodS: 1, paused: false, pinnedParallelism: false, pinnedRate: false, wait: new Fifo(), active: 0, rateCount: 0, rateStart: 0 };
}

/** The latest message's settings win unless the key has been pinned. */
export function applySpec(fc: FlowControl, spec: FlowControlSpec): void {
  if (!fc.pinnedParallelism) fc.parallelism = spec.parallelism;
  if (!fc.pinnedRate) {
    fc.rate = spec.rate;
    fc.periodS = spec.periodS ?? 1;
  }
}

export function flowControlJson(fc: FlowControl) {
  let waiting = 0;
  for (const m of fc.wait) if (m.state !== "CANCELED") waiting++;
  return {
    flowControlKey: fc.key,
    waitListSize: waiting,
    parallelismMax: fc.parallelism ?? 0,
    parallelismCount: fc.active,
    rateMax: fc.rate ?? 0,
    rateCount: fc.rateCount,
    ratePeriod: fc.periodS,
    ratePeriodStart: Math.floor(fc.rateStart / 1000),
    isPaused: fc.paused,
    isPinnedParallelism: fc.pinnedParallelism,
    isPinnedRate: fc.pinnedRate,
  };
}
