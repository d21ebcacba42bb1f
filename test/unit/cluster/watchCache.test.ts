import * as assert from 'node:assert/strict';
import type { KubernetesObject } from '@kubernetes/client-node';
import { KubeMlError } from '../../../src/cluster/errors';
import type { CacheChange } from '../../../src/cluster/session';
import {
  KubeWatchCache,
  type ListResult,
  type RunningWatch,
  type WatchCacheState,
  type WatchEventType,
  type WatchSource,
} from '../../../src/cluster/watchCache';

/** A scripted API server: the test decides what each list and watch call does. */
class FakeSource implements WatchSource<KubernetesObject> {
  readonly description = 'list things';
  objects = new Map<string, KubernetesObject>();
  version = 1;
  listCalls = 0;
  watchFrom: string[] = [];
  listError: unknown;
  watchError: unknown;
  abortCallsDone = false;
  private active:
    | { onEvent: (type: WatchEventType, object: unknown) => void; onDone: (error: unknown) => void }
    | undefined;

  put(name: string, extra: Record<string, string> = {}): KubernetesObject {
    const object = { metadata: { name, resourceVersion: String(++this.version), labels: extra } };
    this.objects.set(name, object);
    return object;
  }

  async list(): Promise<ListResult<KubernetesObject>> {
    this.listCalls++;
    if (this.listError) throw this.listError;
    return { items: [...this.objects.values()], resourceVersion: String(this.version) };
  }

  async watch(
    resourceVersion: string,
    onEvent: (type: WatchEventType, object: unknown) => void,
    onDone: (error: unknown) => void,
  ): Promise<RunningWatch> {
    this.watchFrom.push(resourceVersion);
    if (this.watchError) {
      const error = this.watchError;
      onDone(error);
      return { abort: () => undefined };
    }
    const handle = { onEvent, onDone };
    this.active = handle;
    return {
      abort: () => {
        if (this.active !== handle) return;
        this.active = undefined;
        if (this.abortCallsDone)
          onDone(Object.assign(new Error('The operation was aborted'), { name: 'AbortError' }));
      },
    };
  }

  emit(type: WatchEventType, object: unknown): void {
    assert.ok(this.active, 'no watch is running');
    this.active.onEvent(type, object);
  }

  end(error: unknown): void {
    const active = this.active;
    this.active = undefined;
    active?.onDone(error);
  }

  get watching(): boolean {
    return this.active !== undefined;
  }
}

async function until(condition: () => boolean, what: string, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

const names = (objects: readonly KubernetesObject[]): string[] =>
  objects.map((o) => o.metadata?.name ?? '').sort();

describe('KubeWatchCache', () => {
  let source: FakeSource;
  let cache: KubeWatchCache<KubernetesObject>;
  let changes: CacheChange<KubernetesObject>[];
  let states: WatchCacheState[];

  const start = (): void => {
    cache = new KubeWatchCache(source, { batchMs: 5, initialBackoffMs: 5, maxBackoffMs: 40 });
    changes = [];
    states = [];
    cache.onDidChange((change) => changes.push(change));
    cache.onDidChangeState((state) => states.push(state));
  };

  beforeEach(() => {
    source = new FakeSource();
  });
  afterEach(() => cache?.dispose());

  it('lists, then watches from the list resourceVersion, batching events', async () => {
    source.put('a');
    source.put('b');
    start();
    await cache.ready;
    assert.deepEqual(names(cache.list()), ['a', 'b']);
    assert.deepEqual(names(changes[0].added), ['a', 'b']);
    await until(() => source.watching, 'the watch');
    assert.deepEqual(source.watchFrom, ['3']);

    source.emit('MODIFIED', source.put('a', { gpu: 'h100' }));
    source.emit('ADDED', source.put('c'));
    source.emit('MODIFIED', source.put('c', { x: 'y' }));
    source.emit('ADDED', source.put('d'));
    source.emit('DELETED', source.objects.get('d'));
    source.emit('DELETED', source.objects.get('b'));
    await until(() => changes.length === 2, 'one batched change');
    assert.deepEqual(names(changes[1].updated), ['a']);
    assert.deepEqual(names(changes[1].added), ['c'], 'added then modified is one addition');
    assert.deepEqual(names(changes[1].deleted), ['b'], 'added then deleted is nothing');
    assert.equal(cache.get(undefined, 'a')?.metadata?.labels?.gpu, 'h100');
    assert.equal(cache.get(undefined, 'b'), undefined);
  });

  it('re-watches from the last resourceVersion when the server closes the watch', async () => {
    source.put('a');
    start();
    await cache.ready;
    await until(() => source.watching, 'the watch');
    source.emit('BOOKMARK', { metadata: { resourceVersion: '42' } });
    source.end(null);
    await until(() => source.watchFrom.length === 2, 'a second watch');
    assert.deepEqual(source.watchFrom, ['2', '42']);
    assert.equal(source.listCalls, 1, 'no relist after a normal close');
  });

  it('backs off when the server keeps closing watches at once', async () => {
    start();
    await cache.ready;
    await until(() => source.watching, 'the watch');
    const started = Date.now();
    for (let i = 0; i < 4; i++) {
      await until(() => source.watching, `watch ${i + 2}`);
      source.end(null);
    }
    await until(() => source.watching, 'the last watch');
    // 5 + 10 + 20 + 40 ms of backoff rather than a tight request loop.
    assert.ok(Date.now() - started >= 70, `re-watched too fast: ${Date.now() - started} ms`);
    assert.equal(source.listCalls, 1);
  });

  it('relists on 410 Gone and emits only the difference', async () => {
    source.put('keep');
    source.put('remove');
    source.put('change');
    start();
    await cache.ready;
    await until(() => source.watching, 'the watch');
    // While "disconnected" the world moved on.
    source.objects.delete('remove');
    source.put('change', { new: 'label' });
    source.put('new');
    source.emit('ERROR', { kind: 'Status', code: 410, message: 'too old resource version' });
    await until(() => changes.length === 2, 'the relist change');
    assert.equal(source.listCalls, 2);
    assert.deepEqual(names(changes[1].added), ['new']);
    assert.deepEqual(names(changes[1].updated), ['change']);
    assert.deepEqual(names(changes[1].deleted), ['remove']);
    assert.equal(cache.get(undefined, 'keep')?.metadata?.name, 'keep');
    await until(() => source.watching, 'the new watch');
    assert.equal(source.watchFrom.at(-1), String(source.version));
  });

  it('also relists when the watch request itself answers 410', async () => {
    start();
    await cache.ready;
    await until(() => source.watching, 'the watch');
    source.end(Object.assign(new Error('Gone'), { statusCode: 410 }));
    await until(() => source.listCalls === 2, 'a relist');
  });

  it('reconnects with capped exponential backoff while the server is away', async () => {
    source.put('a');
    start();
    await cache.ready;
    await until(() => source.watching, 'the watch');
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6443'), {
      code: 'ECONNREFUSED',
    });
    source.watchError = refused;
    const started = Date.now();
    source.end(refused);
    await until(() => source.watchFrom.length >= 6, 'repeated watch attempts');
    assert.equal(cache.state, 'reconnecting');
    assert.equal(cache.lastError?.kind, 'unreachable');
    // 5 + 10 + 20 + 40 + 40 ms at least: the delays grew and stopped at the cap.
    assert.ok(Date.now() - started >= 100, `backoff too short: ${Date.now() - started} ms`);
    source.watchError = undefined;
    await until(() => cache.state === 'ready', 'reconnected');
    assert.ok(states.includes('reconnecting'));
    assert.equal(
      source.listCalls,
      1,
      'a watch from the last resourceVersion resumes without relisting',
    );
    assert.deepEqual(names(cache.list()), ['a']);
  });

  it('keeps retrying a first list that fails because the server is down, rejecting ready at once', async () => {
    source.listError = Object.assign(new Error('fetch failed'), {
      cause: { code: 'ECONNREFUSED' },
    });
    start();
    await assert.rejects(
      cache.ready,
      (error: unknown) => error instanceof KubeMlError && error.kind === 'unreachable',
    );
    assert.equal(cache.state, 'reconnecting');
    source.put('late');
    source.listError = undefined;
    await until(() => cache.state === 'ready', 'recovered');
    assert.deepEqual(names(changes.flatMap((c) => c.added)), ['late']);
  });

  it('retries a 403 while reconnecting after an outage (a restarted API server loads RBAC late)', async () => {
    source.put('a');
    start();
    await cache.ready;
    await until(() => source.watching, 'the watch');
    source.watchError = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6443'), {
      code: 'ECONNREFUSED',
    });
    source.end(source.watchError);
    await until(() => source.watchFrom.length >= 2, 'a watch attempt while the server is away');
    source.watchError = {
      code: 403,
      body: {
        message:
          'things is forbidden: RBAC: clusterrole.rbac.authorization.k8s.io "edit" not found',
      },
    };
    await until(() => source.watchFrom.length >= 4, 'watch attempts answered 403');
    assert.equal(cache.state, 'reconnecting');
    source.watchError = undefined;
    await until(() => cache.state === 'ready', 'ready again');
    assert.ok(!states.includes('failed'));
  });

  it('stops on 403 with a forbidden error and does not retry', async () => {
    source.listError = {
      code: 403,
      body: { message: 'nodes is forbidden: User "dev" cannot list resource "nodes"' },
    };
    start();
    await assert.rejects(
      cache.ready,
      (error: unknown) =>
        error instanceof KubeMlError &&
        error.kind === 'forbidden' &&
        /list things/.test(error.summary),
    );
    assert.equal(cache.state, 'failed');
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.equal(source.listCalls, 1);
  });

  it('relists on a 410 ERROR event even when aborting the watch reports back synchronously', async () => {
    // client-node's Watch calls onDone(AbortError) from inside abort(): that must not be taken for
    // a broken connection (which would resume from the expired resourceVersion instead of relisting).
    source.abortCallsDone = true;
    start();
    await cache.ready;
    await until(() => source.watching, 'the watch');
    source.emit('ERROR', { kind: 'Status', code: 410, message: 'too old resource version' });
    await until(() => source.listCalls === 2, 'a relist');
    assert.ok(!states.includes('reconnecting'));
  });

  it('stops everything on dispose', async () => {
    start();
    await cache.ready;
    await until(() => source.watching, 'the watch');
    cache.dispose();
    assert.equal(source.watching, false);
    assert.equal(cache.state, 'disposed');
  });
});
