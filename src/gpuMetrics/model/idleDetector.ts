/**
 * Decides when GPUs allocated to a dev pod sit idle: every GPU below the threshold for a whole
 * window. Fires once per idle period (it re-arms only after the GPUs were busy again).
 */
export interface IdleDetectorOptions {
  /** Percent utilisation below which a GPU counts as idle. */
  readonly thresholdPercent: number;
  readonly windowMs: number;
}

export const DEFAULT_IDLE_OPTIONS: IdleDetectorOptions = {
  thresholdPercent: 5,
  windowMs: 5 * 60_000,
};

export class IdleDetector {
  private idleSince: number | undefined;
  private warned = false;

  constructor(private readonly options: IdleDetectorOptions = DEFAULT_IDLE_OPTIONS) {}

  /** Feed one snapshot's utilisations; true exactly when the warning should be shown now. */
  observe(time: number, utilisations: readonly (number | undefined)[]): boolean {
    const known = utilisations.filter((value): value is number => value !== undefined);
    if (known.length === 0) return false;
    const idle = known.every((value) => value < this.options.thresholdPercent);
    if (!idle) {
      this.idleSince = undefined;
      this.warned = false;
      return false;
    }
    this.idleSince ??= time;
    if (!this.warned && time - this.idleSince >= this.options.windowMs) {
      this.warned = true;
      return true;
    }
    return false;
  }

  /** Minutes idle so far (0 when busy). */
  idleMinutes(time: number): number {
    return this.idleSince === undefined ? 0 : (time - this.idleSince) / 60_000;
  }
}
