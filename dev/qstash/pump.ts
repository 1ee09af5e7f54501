import { applySpec, type FlowControl, newFlowControl } from "./flow-control.js";
import { FINAL_STATES, type Msg } from "./model.js";
import type { Queue, Store } from "./store.js";

/** How far past a saturated head the queue pump looks for a message of another key. */
const QUEUE_SCAN_LIMIT = 10_000;
/** Idle flow-control keys are forgotten beyond this many, so per-user keys cannot grow the map forever. */
export const MAX_IDLE_FLOW_KEYS = 10_000;

export interface PumpHooks {
  /** A queued message got its queue slot. */
  slotTaken(m: Msg): void;
  /** Flow control lets the message's attempt start now. */
  start(m: Msg): void;
}

/**
 * Admission: a FIFO per queue (parallelism = slots held from first attempt until final state
 * and callbacks done) and a wait list per flow-control key (parallelism = concurrent attempts,
 * rate = attempts started per period). Decides *when* an attempt may start, never how.
 */
export class Pump {
  readonly flowControls = new Map<string, FlowControl>();
  private stopped = false;

  constructor(
    private store: Store,
    private timeScale: number,
    private hooks: PumpHooks,
  ) {}

  /** A due message enters its queue's FIFO. */
  enqueue(m: Msg): void {
    const q = this.store.ensureQueue(m.queueName!);
    q.fifo.push(m);
    this.pumpQueue(q);
  }

  /**
   * Starts the oldest messages the queue has slots for. A message whose flow-control key is
   * already at its parallelism is passed over (keeping its place), so one key's backlog
   * cannot hold every slot of a shared queue: order is FIFO per key, fair across keys.
   */
  pumpQueue(q: Queue): void {
    while (!q.paused && q.active < q.parallelism && !this.stopped) {
      const m = q.fifo.takeFirst((c) => FINAL_STATES.has(c.state) || this.keyHasRoom(c), QUEUE_SCAN_LIMIT);
      if (!m) break;
      if (FINAL_STATES.has(m.state)) continue;
      q.active++;
      m.holdsQueueSlot = true;
      this.hooks.slotTaken(m);
    }
  }

  /** Gives back a finished message's queue slot. */
  releaseSlot(m: Msg): void {
    m.holdsQueueSlot = false;
    const q = this.store.queues.get(m.queueName!);
    if (!q) return;
    q.active--;
    this.pumpQueue(q);
  }

  private keyHasRoom(m: Msg): boolean {
    if (!m.flowControl) return true;
    const fc = this.flowControls.get(m.flowControl.key);
    return !fc || (!fc.paused && (!fc.parallelism || fc.active + fc.wait.length < fc.parallelism));
  }

  /** A key that frees a slot may unblock messages passed over in any queue. */
  private pumpQueuesWithRoom(): void {
    for (const q of this.store.queues.values()) if (q.fifo.length && q.active < q.parallelism) this.pumpQueue(q);
  }

  flowControl(key: string, m?: Msg): FlowControl {
    let fc = this.flowControls.get(key);
    if (!fc) {
      if (this.flowControls.size >= MAX_IDLE_FLOW_KEYS) this.forgetIdleKeys();
      fc = newFlowControl(key);
      this.flowControls.set(key, fc);
    }
    if (m?.flowControl) applySpec(fc, m.flowControl);
    return fc;
  }

  /** Settings of an idle, unpinned, unpaused key come back with its next message. */
  private forgetIdleKeys(): void {
    for (const [key, fc] of this.flowControls) {
      if (fc.active === 0 && fc.wait.length === 0 && !fc.paused && !fc.pinnedParallelism && !fc.pinnedRate && !fc.timer) this.flowControls.delete(key);
    }
  }

  /** The attempt may start once its flow-control key allows it. */
  admit(m: Msg): void {
    if (!m.flowControl) {
      this.hooks.start(m);
      return;
    }
    const fc = this.flowControl(m.flowControl.key);
    fc.wait.push(m);
    this.pumpFlowControl(fc);
  }

  /** An attempt ended: its key's slot frees up for the next waiter. */
  attemptEnded(m: Msg): void {
    if (!m.flowControl) return;
    const fc = this.flowControl(m.flowControl.key);
    fc.active--;
    queueMicrotask(() => {
      this.pumpFlowControl(fc);
      this.pumpQueuesWithRoom();
    });
  }

  pumpFlowControl(fc: FlowControl): void {
    while (!fc.paused && fc.wait.length && !this.stopped) {
      const head = fc.wait.peek()!;
      if (FINAL_STATES.has(head.state)) {
        fc.wait.shift();
        continue;
      }
      if (fc.parallelism && fc.active >= fc.parallelism) break;
      if (fc.rate) {
        const now = Date.now();
        const windowMs = Math.max(1, fc.periodS * 1000 * this.timeScale);
        if (now - fc.rateStart >= windowMs) {
          fc.rateStart = now;
          fc.rateCount = 0;
        }
        if (fc.rateCount >= fc.rate) {
          if (!fc.timer) {
            fc.timer = setTimeout(
              () => {
                fc.timer = undefined;
                this.pumpFlowControl(fc);
              },
              fc.rateStart + windowMs - now,
            );
          }
          break;
        }
        fc.rateCount++;
      }
      fc.wait.shift();
      fc.active++;
      this.hooks.start(head);
    }
  }

  resetRate(fc: FlowControl): void {
    fc.rateCount = 0;
    fc.rateStart = Date.now();
    if (fc.timer) clearTimeout(fc.timer);
    fc.timer = undefined;
    this.pumpFlowControl(fc);
  }

  /** Whether a message that is due cannot start because its queue or key is paused. */
  isPaused(m: Msg): boolean {
    if (m.queueName && !m.holdsQueueSlot && this.store.queues.get(m.queueName)?.paused) return true;
    return !!m.flowControl && !!this.flowControls.get(m.flowControl.key)?.paused;
  }

  stop(): void {
    this.stopped = true;
    for (const fc of this.flowControls.values()) if (fc.timer) clearTimeout(fc.timer);
  }
}
