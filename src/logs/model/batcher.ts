/** How much one delivery may carry; older items beyond it are superseded by newer ones. */
export interface BatchBudget<T> {
  readonly maxItems: number;
  readonly maxCost: number;
  readonly cost: (item: T) => number;
}

/**
 * Collects items and hands them over at most every `intervalMs`: one webview message per batch
 * instead of one per log line keeps the host and the webview fast on a fast-writing pod. With a
 * budget, a batch never exceeds it: a flood keeps only its newest items (a view that shows the
 * last N lines would drop the older ones on arrival anyway).
 */
export class Batcher<T> {
  private pending: T[] = [];
  /** Index of the oldest pending item still within the budget. */
  private head = 0;
  private pendingCost = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Items superseded before delivery, over the batcher's life. */
  superseded = 0;

  constructor(
    private readonly intervalMs: number,
    private readonly deliver: (items: T[]) => void,
    private readonly budget?: BatchBudget<T>,
  ) {}

  add(item: T): void {
    this.pending.push(item);
    if (this.budget) {
      this.pendingCost += this.budget.cost(item);
      while (
        this.pending.length - this.head > 1 &&
        (this.pending.length - this.head > this.budget.maxItems ||
          this.pendingCost > this.budget.maxCost)
      ) {
        this.pendingCost -= this.budget.cost(this.pending[this.head]!);
        this.head++;
        this.superseded++;
      }
      // Superseded items are let go in bulk: amortised constant cost per item.
      if (this.head > 1024 && this.head * 2 > this.pending.length) {
        this.pending = this.pending.slice(this.head);
        this.head = 0;
      }
    }
    this.timer ??= setTimeout(() => this.flush(), this.intervalMs);
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const items = this.head === 0 ? this.pending : this.pending.slice(this.head);
    this.clearPending();
    if (items.length > 0) this.deliver(items);
  }

  /** Drops what is pending without delivering it (the receiver is getting it another way). */
  discardPending(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.clearPending();
  }

  dispose(): void {
    this.discardPending();
  }

  private clearPending(): void {
    this.pending = [];
    this.head = 0;
    this.pendingCost = 0;
  }
}
