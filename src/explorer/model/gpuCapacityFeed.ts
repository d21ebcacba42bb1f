import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { DisposableStore } from '../../cluster/disposableStore';
import { Emitter } from '../../cluster/emitter';
import type { KubeMlError } from '../../cluster/errors';
import { GpuAccounting, type GpuAccountingChange } from '../../cluster/gpu/accounting';
import type { ClusterSession, Disposable, Listener, WatchCache } from '../../cluster/session';
import type { WatchCacheState } from '../../cluster/watchCache';

/** A WatchCache that also reports its connection state (KubeWatchCache does). */
interface StatefulCache<T> extends WatchCache<T> {
  readonly state?: WatchCacheState;
  readonly lastError?: KubeMlError;
  onDidChangeState?(listener: Listener<WatchCacheState>): Disposable;
}

export interface CacheStatus {
  readonly state: WatchCacheState;
  readonly error?: KubeMlError;
}

export type GpuCapacityEvent =
  { readonly kind: 'figures'; readonly change: GpuAccountingChange } | { readonly kind: 'status' };

/**
 * Feeds one session's node and pod caches into an incremental GpuAccounting and says what changed,
 * so the GPU Capacity view and the status bar (both thin vscode glue) share one computation.
 */
export class GpuCapacityFeed implements Disposable {
  readonly accounting: GpuAccounting;
  private readonly events = new Emitter<GpuCapacityEvent>();
  private readonly subscriptions = new DisposableStore();
  private readonly nodes: StatefulCache<V1Node>;
  private readonly pods: StatefulCache<V1Pod>;

  constructor(readonly session: ClusterSession & { readonly podScope?: 'cluster' | 'namespace' }) {
    this.nodes = session.nodes;
    this.pods = session.pods;
    this.accounting = GpuAccounting.from(this.nodes.list(), this.pods.list());
    this.subscriptions.add(
      this.nodes.onDidChange((change) => this.emitFigures(this.accounting.applyNodeChange(change))),
    );
    this.subscriptions.add(
      this.pods.onDidChange((change) => this.emitFigures(this.accounting.applyPodChange(change))),
    );
    for (const cache of [this.nodes, this.pods]) {
      if (cache.onDidChangeState)
        this.subscriptions.add(cache.onDidChangeState(() => this.events.fire({ kind: 'status' })));
    }
    // A first list that fails does not change the state of a cache that was already 'connecting'
    // to 'failed' in every case; `ready` settling always warrants a status refresh.
    const settle = (): void => {
      if (!this.subscriptions.isDisposed) this.events.fire({ kind: 'status' });
    };
    this.nodes.ready.then(settle, settle);
    this.pods.ready.then(settle, settle);
  }

  readonly onDidChange = (listener: Listener<GpuCapacityEvent>): Disposable =>
    this.events.event(listener);

  get nodeStatus(): CacheStatus {
    return { state: this.nodes.state ?? 'ready', error: this.nodes.lastError };
  }

  get podStatus(): CacheStatus {
    return { state: this.pods.state ?? 'ready', error: this.pods.lastError };
  }

  /** 'namespace' when requested GPUs only count pods of the session's namespace. */
  get podScope(): 'cluster' | 'namespace' | undefined {
    return this.session.podScope;
  }

  dispose(): void {
    this.subscriptions.dispose();
    this.events.dispose();
  }

  private emitFigures(change: GpuAccountingChange): void {
    if (change.nodes.length > 0 || change.products.length > 0) {
      this.events.fire({ kind: 'figures', change });
    }
  }
}
