/**
 * Reads GPU utilisation for the GPU Capacity view only while the view is visible and only when the
 * cluster runs a DCGM exporter.
 */
import { Emitter } from '../cluster/emitter';
import type { Disposable, Listener } from '../cluster/session';
import type {
  NodeUtilisation,
  UtilisationByNode,
  UtilisationSource,
} from '../cluster/gpu/poolUtilisation';
import type { Log } from '../cluster/log';

export interface UtilisationPollerOptions {
  /** Pause between reads (the view asks for kubeMl.gpuMetrics.refreshSeconds, floored at 10 s). */
  readonly refreshMs: () => number;
  /** How often to look for an exporter again, whether one was found or not. */
  readonly rediscoverMs: number;
  readonly now?: () => number;
  readonly log: Log;
}

export interface UtilisationChange {
  readonly previous: UtilisationByNode;
  readonly current: UtilisationByNode;
}

const EMPTY: UtilisationByNode = new Map();

/**
 * Polls a UtilisationSource only while visible. Without an exporter it issues no read at all and
 * looks for one again every `rediscoverMs`. A failed read drops the figures (no stale numbers) and
 * forces a new discovery, since exporter pods move between nodes.
 */
export class UtilisationPoller<D> implements Disposable {
  private current: UtilisationByNode = EMPTY;
  private discovery: D | undefined;
  private discoveredAt: number | undefined;
  private visible = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private inFlight: AbortController | undefined;
  private running: Promise<void> | undefined;
  private readonly changes = new Emitter<UtilisationChange>();
  private readonly now: () => number;

  constructor(
    private source: UtilisationSource<D> | undefined,
    private readonly options: UtilisationPollerOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  readonly onDidChange = (listener: Listener<UtilisationChange>): Disposable =>
    this.changes.event(listener);

  utilisationOf(nodeName: string): NodeUtilisation | undefined {
    return this.current.get(nodeName);
  }

  get byNode(): UtilisationByNode {
    return this.current;
  }

  setVisible(visible: boolean): void {
    if (visible === this.visible) return;
    this.visible = visible;
    if (visible) {
      void this.poll();
    } else {
      this.stop();
    }
  }

  /** A new session: forget everything about the old cluster. */
  setSource(source: UtilisationSource<D> | undefined): void {
    this.stop();
    this.source = source;
    this.discovery = undefined;
    this.discoveredAt = undefined;
    this.publish(EMPTY);
    if (this.visible) void this.poll();
  }

  /**
   * One pass (or the one under way), then the next is scheduled while visible; public so tests
   * drive it without waiting for timers.
   */
  poll(): Promise<void> {
    const source = this.source;
    if (!this.visible || !source) return Promise.resolve();
    if (this.inFlight) return this.running ?? Promise.resolve();
    clearTimeout(this.timer);
    this.running = this.pass(source);
    return this.running;
  }

  private async pass(source: UtilisationSource<D>): Promise<void> {
    const abort = new AbortController();
    this.inFlight = abort;
    try {
      const now = this.now();
      if (this.discoveredAt === undefined || now - this.discoveredAt >= this.options.rediscoverMs) {
        const discovery = await source.discover(abort.signal);
        // Hidden or a new session meanwhile: what was found may belong to the old cluster.
        if (abort.signal.aborted) return;
        this.discovery = discovery;
        this.discoveredAt = now;
      }
      const next =
        this.discovery === undefined ? EMPTY : await source.read(this.discovery, abort.signal);
      if (!abort.signal.aborted) this.publish(next);
    } catch (error) {
      if (abort.signal.aborted) return;
      this.options.log.debug(
        `GPU utilisation for the GPU Capacity view: ${error instanceof Error ? error.message : String(error)}`,
      );
      this.discoveredAt = undefined;
      this.publish(EMPTY);
    } finally {
      if (this.inFlight === abort) {
        this.inFlight = undefined;
        if (this.visible && this.source === source)
          this.timer = setTimeout(() => void this.poll(), this.options.refreshMs());
      }
    }
  }

  dispose(): void {
    this.stop();
    this.changes.dispose();
  }

  private stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.inFlight?.abort();
    this.inFlight = undefined;
  }

  private publish(next: UtilisationByNode): void {
    const previous = this.current;
    if (previous.size === 0 && next.size === 0) return;
    this.current = next;
    this.changes.fire({ previous, current: next });
  }
}
