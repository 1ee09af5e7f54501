interface Entry<T> {
  at: number;
  seq: number;
  value: T;
}

/**
 * Binary min-heap driving a single setTimeout, so waking up costs O(log n) instead of
 * scanning every pending message. Stale entries are filtered by the caller (lazy deletion).
 */
export class TimerHeap<T> {
  private heap: Entry<T>[] = [];
  private seq = 0;
  private timer: NodeJS.Timeout | undefined;
  private armedAt = Infinity;
  private stopped = false;

  constructor(private onDue: (value: T) => void) {}

  get size(): number {
    return this.heap.length;
  }

  push(at: number, value: T): void {
    const h = this.heap;
    h.push({ at, seq: this.seq++, value });
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.less(h[p], h[i])) break;
      [h[p], h[i]] = [h[i], h[p]];
      i = p;
    }
    if (at < this.armedAt) this.arm();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private less(a: Entry<T>, b: Entry<T>): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private pop(): Entry<T> | undefined {
    const h = this.heap;
    if (h.length === 0) return undefined;
    const top = h[0];
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l], h[m])) m = l;
        if (r < h.length && this.less(h[r], h[m])) m = r;
        if (m === i) break;
        [h[m], h[i]] = [h[i], h[m]];
        i = m;
      }
    }
    return top;
  }

  private arm(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const top = this.heap[0];
    if (!top) {
      this.armedAt = Infinity;
      return;
    }
    this.armedAt = top.at;
    // setTimeout caps at ~24.8 days; longer waits simply re-arm.
    const wait = Math.min(Math.max(0, top.at - Date.now()), 2 ** 31 - 1);
    this.timer = setTimeout(() => this.fire(), wait);
  }

  private fire(): void {
    this.timer = undefined;
    this.armedAt = Infinity;
    const now = Date.now();
    while (this.heap.length && this.heap[0].at <= now && !this.stopped) {
      const e = this.pop()!;
      try {
        this.onDue(e.value);
      } catch (err) {
        console.error("[qstash-local] timer callback failed", err);
      }
    }
    this.arm();
  }
}
