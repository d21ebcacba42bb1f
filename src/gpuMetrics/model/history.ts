/**
 * The last few minutes of GPU snapshots a panel plots; older ones drop off so a panel left open
 * for a day stays small.
 */
import type { GpuSnapshot } from '../../cluster/gpu/sample';

export class SnapshotHistory {
  private snapshots: GpuSnapshot[] = [];

  constructor(private readonly spanMs: number) {}

  add(snapshot: GpuSnapshot): void {
    this.snapshots.push(snapshot);
    const oldest = snapshot.time - this.spanMs;
    let drop = 0;
    while (drop < this.snapshots.length && this.snapshots[drop].time < oldest) drop++;
    if (drop > 0) this.snapshots = this.snapshots.slice(drop);
  }

  all(): readonly GpuSnapshot[] {
    return this.snapshots;
  }
}
