/**
 * The latest GPU utilisation of each running dev pod, published by the GPU idle watcher
 * (src/gpuMetrics/idleWatcher.ts) and read by the idle-shutdown checker (src/devPods/idleChecker.ts).
 * One instance per window lives in Services, so the two features meet without importing each other.
 * No vscode import.
 */
export interface GpuUtilisationReading {
  /** Mean utilisation of the pod's GPUs, percent. */
  readonly percent: number;
  /** Epoch ms of the sample. */
  readonly at: number;
}

/** The watcher samples once a minute; a reading older than this means it stopped seeing the pod. */
export const GPU_READING_MAX_AGE_MS = 3 * 60_000;

export class DevPodGpuUtilisation {
  /** By pod uid: a resumed dev pod is a new pod and starts unknown. */
  private readonly latest = new Map<string, GpuUtilisationReading>();

  /** Records one sample; GPUs without a figure are left out, a sample without any is ignored. */
  publish(podUid: string, gpuPercents: readonly (number | undefined)[], at: number): void {
    const known = gpuPercents.filter((percent): percent is number => percent !== undefined);
    if (known.length === 0) return;
    this.latest.set(podUid, {
      percent: known.reduce((sum, percent) => sum + percent, 0) / known.length,
      at,
    });
  }

  /** Mean percent of the latest fresh reading, or undefined when unknown (no metrics, or stale). */
  percentOf(podUid: string, now: number): number | undefined {
    const reading = this.latest.get(podUid);
    return reading && now - reading.at <= GPU_READING_MAX_AGE_MS ? reading.percent : undefined;
  }

  /** Keeps only the pods still watched, so memory follows the running dev pods. */
  retain(podUids: ReadonlySet<string>): void {
    for (const uid of [...this.latest.keys()]) if (!podUids.has(uid)) this.latest.delete(uid);
  }

  clear(): void {
    this.latest.clear();
  }
}
