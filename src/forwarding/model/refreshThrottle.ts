import { NODE_TIMERS, type Timers } from '../../cluster/timers';

/**
 * Merges change notifications so a view refreshes at most once per interval: the first change
 * goes out at once, those that follow within the interval go out together at its end. A
 * forward's traffic and state can change hundreds of times a second; a tree needs none of that.
 */
export class RefreshThrottle<T> {
  private readonly changed = new Set<T>();
  /** Something changed that is not one item (the list itself): refresh everything. */
  private everything = false;
  private timer: unknown;
  private disposed = false;

  constructor(
    private readonly intervalMs: number,
    /** The items that changed, or undefined for everything. */
    private readonly refresh: (changed: T[] | undefined) => void,
    private readonly timers: Timers = NODE_TIMERS,
  ) {}

  /** `item` changed; undefined: everything did. */
  add(item: T | undefined): void {
    if (this.disposed) return;
    if (item === undefined) this.everything = true;
    else this.changed.add(item);
    if (this.timer === undefined) this.refreshAndWait();
  }

  dispose(): void {
    this.disposed = true;
    this.timers.clearTimeout(this.timer);
  }

  private refreshAndWait(): void {
    const changed = this.everything ? undefined : [...this.changed];
    this.everything = false;
    this.changed.clear();
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      if (this.everything || this.changed.size > 0) this.refreshAndWait();
    }, this.intervalMs);
    this.refresh(changed);
  }
}
