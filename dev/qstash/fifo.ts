/** Array-backed FIFO with O(1) amortised shift (Array#shift is O(n) on large queues). */
export class Fifo<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }
  push(v: T): void {
    this.items.push(v);
  }
  peek(): T | undefined {
    return this.items[this.head];
  }
  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const v = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return v;
  }
  /**
   * Removes and returns the first of the next `maxScan` items that satisfies `pred`; the
   * others keep their order. O(scan) when the head is skipped, O(1) when it is taken.
   */
  takeFirst(pred: (v: T) => boolean, maxScan: number): T | undefined {
    const end = Math.min(this.items.length, this.head + maxScan);
    for (let i = this.head; i < end; i++) {
      const v = this.items[i] as T;
      if (!pred(v)) continue;
      if (i === this.head) return this.shift();
      this.items.splice(i, 1);
      return v;
    }
    return undefined;
  }
  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = this.head; i < this.items.length; i++) yield this.items[i] as T;
  }
}
