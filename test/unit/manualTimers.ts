// A clock the test moves by hand, for code that takes its timers as a dependency.
import type { Timers } from '../../src/cluster/timers';

interface Scheduled {
  readonly at: number;
  readonly callback: () => void;
}

export class ManualTimers implements Timers {
  private time = 0;
  private readonly scheduled = new Set<Scheduled>();

  setTimeout(callback: () => void, ms: number): unknown {
    const entry = { at: this.time + ms, callback };
    this.scheduled.add(entry);
    return entry;
  }

  clearTimeout(handle: unknown): void {
    this.scheduled.delete(handle as Scheduled);
  }

  /** Moves the clock on by `ms`, running every callback that falls due, in time order. */
  advance(ms: number): void {
    const until = this.time + ms;
    for (;;) {
      const due = [...this.scheduled]
        .filter((entry) => entry.at <= until)
        .sort((left, right) => left.at - right.at)[0];
      if (!due) break;
      this.scheduled.delete(due);
      this.time = due.at;
      due.callback();
    }
    this.time = until;
  }

  /** Milliseconds since the clock started. */
  get now(): number {
    return this.time;
  }

  get pending(): number {
    return this.scheduled.size;
  }
}
