import type { KubernetesObject } from '@kubernetes/client-node';
import { Backoff } from './backoff';
import { Emitter } from './emitter';
import { DENIALS_RETRIED_AFTER_OUTAGE, isDenial, KubeMlError, toKubeMlError } from './errors';
import type { CacheChange, Disposable, Listener, WatchCache } from './session';
import type { Log } from './log';

/**
 * An informer in the client-go mould: list once, then watch from the list's resourceVersion;
 * relist (and emit the difference) when the watch says 410 Gone; when the API server goes away,
 * re-watch with capped exponential backoff, showing the state 'reconnecting' meanwhile. Watch
 * events are coalesced into CacheChange batches so views refresh once per burst.
 */
export type WatchCacheState = 'connecting' | 'ready' | 'reconnecting' | 'failed' | 'disposed';

export interface ListResult<T> {
  readonly items: readonly T[];
  readonly resourceVersion: string;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface RunningWatch {
  abort(): void;
}

/** How the cache talks to the API server (a fake in unit tests, client-node in the product). */
export interface WatchSource<T> {
  /** "list nodes", "list pods in namespace ml-team": used in error messages. */
  readonly description: string;
  list(): Promise<ListResult<T>>;
  /** Starts a watch; `onDone` is called exactly once when it ends, with the error if any. */
  watch(
    resourceVersion: string,
    onEvent: (type: WatchEventType, object: unknown) => void,
    onDone: (error: unknown) => void,
  ): Promise<RunningWatch>;
}

export interface WatchCacheOptions {
  /** Coalescing window for change events. */
  readonly batchMs?: number;
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
  readonly log?: Log;
}

/** A watch closed by the server sooner than this after it started was not a normal timeout. */
const QUICK_CLOSE_MS = 1000;

/** A watch answered "resourceVersion too old": the cache must relist. */
class GoneError extends Error {}

function isGone(error: unknown): boolean {
  if (error instanceof GoneError) return true;
  const candidate = error as { statusCode?: unknown; code?: unknown };
  return candidate?.statusCode === 410 || candidate?.code === 410;
}

/** Permanent failures: retrying cannot help until the user changes something. */
function isPermanent(error: KubeMlError): boolean {
  return (
    error.kind === 'forbidden' ||
    error.kind === 'unauthorized' ||
    error.kind === 'authPluginMissing' ||
    error.kind === 'notFound'
  );
}

export function objectKey(object: KubernetesObject): string {
  const namespace = object.metadata?.namespace;
  return namespace ? `${namespace}/${object.metadata?.name ?? ''}` : (object.metadata?.name ?? '');
}

type PendingOp = 'added' | 'updated' | 'deleted';

export class KubeWatchCache<T extends KubernetesObject> implements WatchCache<T>, Disposable {
  readonly ready: Promise<void>;
  private readonly store = new Map<string, T>();
  private readonly changes = new Emitter<CacheChange<T>>();
  private readonly stateChanges = new Emitter<WatchCacheState>();
  private readonly pending = new Map<string, { op: PendingOp; object: T }>();
  private readonly batchMs: number;
  private readonly retry: Backoff;
  private currentState: WatchCacheState = 'connecting';
  private error: KubeMlError | undefined;
  private resourceVersion = '';
  private watch: RunningWatch | undefined;
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  /** Bumped on every (re)start so callbacks of an abandoned watch are ignored. */
  private generation = 0;
  private resolveReady!: () => void;
  private rejectReady!: (error: KubeMlError) => void;
  private settled = false;
  private watchStartedAt = 0;
  /** Set while reconnecting after a transient failure (server away), until ready again. */
  private recovering = false;
  private denialsWhileRecovering = 0;

  constructor(
    private readonly source: WatchSource<T>,
    private readonly options: WatchCacheOptions = {},
  ) {
    this.batchMs = options.batchMs ?? 30;
    this.retry = new Backoff({
      initialMs: options.initialBackoffMs ?? 500,
      maxMs: options.maxBackoffMs ?? 30_000,
    });
    this.ready = new Promise<void>((resolve, reject) => {
      this.resolveReady = resolve;
      this.rejectReady = reject;
    });
    // Consumers that never await `ready` must not cause an unhandled rejection.
    this.ready.catch(() => undefined);
    void this.relist();
  }

  get state(): WatchCacheState {
    return this.currentState;
  }

  /** Why the cache is 'failed' or 'reconnecting'. */
  get lastError(): KubeMlError | undefined {
    return this.error;
  }

  get description(): string {
    return this.source.description;
  }

  readonly onDidChangeState = (listener: Listener<WatchCacheState>): Disposable =>
    this.stateChanges.event(listener);

  onDidChange(listener: Listener<CacheChange<T>>): Disposable {
    return this.changes.event(listener);
  }

  list(): readonly T[] {
    return [...this.store.values()];
  }

  get(namespace: string | undefined, name: string): T | undefined {
    return this.store.get(namespace ? `${namespace}/${name}` : name);
  }

  get size(): number {
    return this.store.size;
  }

  dispose(): void {
    this.generation++;
    this.setState('disposed');
    this.watch?.abort();
    this.watch = undefined;
    clearTimeout(this.flushTimer);
    clearTimeout(this.retryTimer);
    this.pending.clear();
    this.changes.dispose();
    this.stateChanges.dispose();
    if (!this.settled) {
      this.settled = true;
      this.rejectReady(new KubeMlError('cancelled', `Stopped: ${this.source.description}.`));
    }
  }

  private log(level: 'info' | 'warn' | 'error', message: string): void {
    this.options.log?.[level](`${this.source.description}: ${message}`);
  }

  private setState(state: WatchCacheState): void {
    if (state === 'ready') {
      this.recovering = false;
      this.denialsWhileRecovering = 0;
    }
    if (this.currentState === state || this.currentState === 'disposed') return;
    this.currentState = state;
    this.stateChanges.fire(state);
  }

  private async relist(): Promise<void> {
    const generation = ++this.generation;
    this.watch?.abort();
    this.watch = undefined;
    clearTimeout(this.retryTimer);
    let result: ListResult<T>;
    try {
      result = await this.source.list();
    } catch (error) {
      if (generation === this.generation) this.fail(error, 'relist');
      return;
    }
    if (generation !== this.generation) return;
    this.replaceAll(result.items);
    this.resourceVersion = result.resourceVersion;
    this.error = undefined;
    this.retry.reset();
    this.setState('ready');
    if (!this.settled) {
      this.settled = true;
      this.resolveReady();
    }
    await this.startWatch(generation);
  }

  private async startWatch(generation: number): Promise<void> {
    let sawEvent = false;
    this.watchStartedAt = Date.now();
    const onEvent = (type: WatchEventType, object: unknown): void => {
      if (generation !== this.generation) return;
      if (type === 'ERROR') {
        // The server reports an expired resourceVersion as an ERROR event carrying a 410 Status.
        const status = object as { code?: number; message?: string };
        this.watchEnded(
          generation,
          status?.code === 410
            ? new GoneError(status.message ?? 'Gone')
            : Object.assign(new Error(status?.message ?? 'watch error'), { code: status?.code }),
        );
        return;
      }
      const resource = object as T;
      const version = resource?.metadata?.resourceVersion;
      if (version) this.resourceVersion = version;
      if (!sawEvent) {
        sawEvent = true;
        this.retry.reset();
      }
      if (type === 'BOOKMARK') return;
      this.applyEvent(type, resource);
    };
    try {
      const watch = await this.source.watch(this.resourceVersion, onEvent, (error) =>
        this.watchEnded(generation, error),
      );
      if (generation === this.generation) this.watch = watch;
      else watch.abort();
    } catch (error) {
      this.watchEnded(generation, error);
    }
  }

  private watchEnded(generation: number, error: unknown): void {
    if (generation !== this.generation) return;
    // Bump the generation before aborting: an abort may report back synchronously through onDone.
    this.generation++;
    const ended = this.watch;
    this.watch = undefined;
    ended?.abort();
    if (!error) {
      // A normal server-side timeout: continue from where we were, no relist. A watch that a proxy
      // closes at once would turn this into a request loop, so quick closes back off.
      if (Date.now() - this.watchStartedAt >= QUICK_CLOSE_MS) {
        void this.startWatch(this.generation);
        return;
      }
      const delay = this.retry.next();
      const next = this.generation;
      this.retryTimer = setTimeout(() => {
        if (next === this.generation) void this.startWatch(next);
      }, delay);
      return;
    }
    if (isGone(error)) {
      this.log('info', 'resourceVersion too old (410 Gone): relisting');
      void this.relist();
      return;
    }
    this.fail(error, 'watch');
  }

  private fail(error: unknown, phase: 'relist' | 'watch'): void {
    const translated = toKubeMlError(error, this.source.description);
    this.error = translated;
    const retriedDenial =
      this.recovering &&
      isDenial(translated) &&
      this.denialsWhileRecovering++ < DENIALS_RETRIED_AFTER_OUTAGE;
    if (isPermanent(translated) && !retriedDenial) {
      if (!this.settled) {
        this.settled = true;
        this.rejectReady(translated);
      }
      this.log('error', translated.summary);
      this.setState('failed');
      return;
    }
    this.recovering = true;
    if (!this.settled) {
      // The first list failed for a reason that may pass (server down): tell awaiting callers now,
      // and keep trying in the background so the view fills in when the server comes back.
      this.settled = true;
      this.rejectReady(translated);
    }
    const delay = this.retry.next();
    this.log('warn', `${translated.summary} Retrying in ${delay} ms.`);
    this.setState('reconnecting');
    const generation = ++this.generation;
    this.retryTimer = setTimeout(() => {
      if (generation !== this.generation) return;
      // After a failed watch, try to resume from the last resourceVersion; a 410 then relists.
      if (phase === 'watch' && this.resourceVersion) {
        void this.resumeWatch(generation);
      } else {
        void this.relist();
      }
    }, delay);
  }

  private async resumeWatch(generation: number): Promise<void> {
    await this.startWatch(generation);
    if (generation === this.generation && this.watch) {
      this.error = undefined;
      this.setState('ready');
    }
  }

  private applyEvent(type: 'ADDED' | 'MODIFIED' | 'DELETED', object: T): void {
    const key = objectKey(object);
    if (type === 'DELETED') {
      if (!this.store.delete(key)) return;
      this.queue(key, 'deleted', object);
      return;
    }
    const existed = this.store.has(key);
    this.store.set(key, object);
    this.queue(key, existed ? 'updated' : 'added', object);
  }

  /** Relist: replace the store and queue the difference as one change. */
  private replaceAll(items: readonly T[]): void {
    const seen = new Set<string>();
    for (const item of items) {
      const key = objectKey(item);
      seen.add(key);
      const previous = this.store.get(key);
      this.store.set(key, item);
      if (!previous) this.queue(key, 'added', item);
      else if (previous.metadata?.resourceVersion !== item.metadata?.resourceVersion)
        this.queue(key, 'updated', item);
    }
    for (const [key, object] of this.store) {
      if (!seen.has(key)) {
        this.store.delete(key);
        this.queue(key, 'deleted', object);
      }
    }
    // The first list is delivered at once so that `ready` and the first change coincide.
    this.flush();
  }

  private queue(key: string, op: PendingOp, object: T): void {
    const previous = this.pending.get(key)?.op;
    let next: PendingOp | undefined = op;
    if (previous === 'added' && op === 'updated') next = 'added';
    else if (previous === 'added' && op === 'deleted') next = undefined;
    else if (previous === 'deleted' && op === 'added') next = 'updated';
    if (next) this.pending.set(key, { op: next, object });
    else this.pending.delete(key);
    if (this.flushTimer === undefined) {
      this.flushTimer = setTimeout(() => this.flush(), this.batchMs);
    }
  }

  private flush(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.pending.size === 0) return;
    const added: T[] = [];
    const updated: T[] = [];
    const deleted: T[] = [];
    for (const { op, object } of this.pending.values()) {
      (op === 'added' ? added : op === 'updated' ? updated : deleted).push(object);
    }
    this.pending.clear();
    try {
      this.changes.fire({ added, updated, deleted });
    } catch (error) {
      this.log('error', `a change listener failed: ${(error as Error)?.message ?? String(error)}`);
    }
  }
}
