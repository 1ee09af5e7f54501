import { nextFireMs, parseCron } from "./cron.js";
import type { Msg } from "./model.js";
import { buildMessages, type Engine, resolveDestination, type Target } from "./publish.js";
import type { Schedule } from "./store.js";

const MAX_TIMER_MS = 2 ** 31 - 1;
const KEEP_STATES = 10;

/**
 * Fires schedules on real wall-clock cron times, independent of timeScale (a scaled cron clock
 * would make a `* * * * *` schedule fire every 60 ms in tests). Tests trigger a firing through
 * the same code path with fire().
 */
export class Scheduler {
  private stopped = false;
  constructor(
    private engine: Engine,
    private log?: (line: string) => void,
  ) {}

  /** `after` is the previous firing time, so a timer that wakes a little early cannot fire twice. */
  arm(s: Schedule, after = Date.now()): void {
    this.disarm(s);
    if (this.stopped) return;
    const next = nextFireMs(parseCron(s.cron), Math.max(after, Date.now()));
    s.nextScheduleTime = next ?? undefined;
    if (next === null) return;
    const wait = next - Date.now();
    s.timer = setTimeout(
      () => {
        s.timer = undefined;
        if (wait > MAX_TIMER_MS) return this.arm(s);
        this.fire(s);
        this.arm(s, next);
      },
      Math.min(wait, MAX_TIMER_MS),
    );
  }

  disarm(s: Schedule): void {
    if (s.timer) clearTimeout(s.timer);
    s.timer = undefined;
  }

  /** Publishes the schedule's message now (skipped while paused). Returns the new message ids. */
  fire(s: Schedule): string[] {
    if (s.isPaused || this.stopped) return [];
    const { store, dispatcher } = this.engine;
    let target: Target;
    try {
      target = resolveDestination(store, s.destination);
    } catch (e) {
      this.log?.(`schedule ${s.scheduleId} skipped: ${(e as Error).message}`);
      return [];
    }
    const cfg = {
      method: s.method,
      header: s.header,
      maxRetries: s.retries,
      retryDelay: s.retryDelay,
      timeoutMs: s.timeoutMs,
      delayMs: s.delayS ? s.delayS * 1000 : undefined,
      callback: s.callback,
      failureCallback: s.failureCallback,
      flowControl: s.flowControl,
      labels: s.labels,
      redact: s.redact,
      contentDedup: false,
    };
    const datas = buildMessages(this.engine, target, cfg, s.body, { user: s.user, ip: s.callerIP }, { queueName: s.queueName, scheduleId: s.scheduleId });
    try {
      store.checkMessageRoom(datas.length, s.body.length * datas.length);
    } catch (e) {
      this.log?.(`schedule ${s.scheduleId} skipped: ${(e as Error).message}`);
      return [];
    }
    s.lastScheduleTime = Date.now();
    for (const d of datas) {
      dispatcher.submit(d).durable.catch((e) => this.log?.(`schedule ${s.scheduleId}: journal write failed: ${e}`));
      s.lastStates.set(d.id, "IN_PROGRESS");
    }
    while (s.lastStates.size > KEEP_STATES) s.lastStates.delete(s.lastStates.keys().next().value!);
    store.saveSchedule(s);
    this.log?.(`schedule ${s.scheduleId} fired → ${datas.map((d) => d.id).join(", ")}`);
    return datas.map((d) => d.id);
  }

  onMessageFinished(m: Msg): void {
    if (!m.scheduleId || m.kind) return;
    const s = this.engine.store.schedules.get(m.scheduleId);
    if (!s?.lastStates.has(m.id)) return;
    s.lastStates.set(m.id, m.state === "DELIVERED" ? "SUCCESS" : "FAIL");
  }

  stop(): void {
    this.stopped = true;
    for (const s of this.engine.store.schedules.values()) this.disarm(s);
  }
}
