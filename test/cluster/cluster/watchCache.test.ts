import * as assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { KubeSession } from '../../../src/cluster/kubeSession';
import type { CacheChange } from '../../../src/cluster/session';
import {
  KubeWatchCache,
  type RunningWatch,
  type WatchCacheState,
  type WatchSource,
} from '../../../src/cluster/watchCache';
import { listWatchSource, podSource } from '../../../src/cluster/watchSources';
import {
  ADMIN_CONTEXT,
  compactEtcd,
  createTestNamespace,
  deleteTestNamespace,
  sandboxKubeConfig,
  waitFor,
} from '../sandbox';

const LABEL = 'kube-ml.dev/foundation-test';

function testPod(name: string): k8s.V1Pod {
  return {
    metadata: { name },
    spec: {
      containers: [{ name: 'main', image: 'busybox', command: ['sleep', '3600'] }],
      terminationGracePeriodSeconds: 0,
    },
  };
}

/** Wraps a real source to count calls, break its watch, or resume it from an expired resourceVersion. */
class InstrumentedSource<T> implements WatchSource<T> {
  listCalls = 0;
  watchVersions: string[] = [];
  current: RunningWatch | undefined;
  expiredVersion: string | undefined;

  constructor(private readonly inner: WatchSource<T>) {}

  get description(): string {
    return this.inner.description;
  }

  list() {
    this.listCalls++;
    return this.inner.list();
  }

  async watch(
    resourceVersion: string,
    onEvent: Parameters<WatchSource<T>['watch']>[1],
    onDone: (error: unknown) => void,
  ): Promise<RunningWatch> {
    const version = this.expiredVersion ?? resourceVersion;
    this.expiredVersion = undefined;
    this.watchVersions.push(version);
    this.current = await this.inner.watch(version, onEvent, onDone);
    return this.current;
  }
}

/**
 * Whether the API server answers 410 Gone to a watch of `watchPath` from `resourceVersion` (as an ERROR event
 * from its watch cache, or as the response status when it serves the watch from etcd). A young cluster
 * whose etcd has not compacted yet still serves every old revision, hence compactEtcd() first.
 */
function serverExpires(
  kubeConfig: k8s.KubeConfig,
  watchPath: string,
  resourceVersion: string,
): Promise<boolean> {
  return new Promise((resolve) => {
    let expired = false;
    new k8s.Watch(kubeConfig)
      .watch(
        watchPath,
        { resourceVersion, timeoutSeconds: 1 },
        (type, object: { code?: number }) => {
          if (type === 'ERROR' && object?.code === 410) expired = true;
        },
        (error: unknown) =>
          resolve(expired || (error as { statusCode?: number } | null)?.statusCode === 410),
      )
      .catch(() => resolve(false));
  });
}

describe('watch cache against the sandbox', () => {
  const kubeConfig = sandboxKubeConfig('admin');
  const core = kubeConfig.makeApiClient(k8s.CoreV1Api);
  let namespace: string;
  const disposables: { dispose(): void }[] = [];

  before(async () => {
    namespace = await createTestNamespace('foundation-watch');
  });
  afterEach(() => {
    for (const disposable of disposables.splice(0)) disposable.dispose();
  });
  after(async () => {
    await core.patchNode(
      { name: 'cpu-0', body: { metadata: { labels: { [LABEL]: null } } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    await deleteTestNamespace(namespace);
  });

  it('lists the nodes, then sees a node label change as one incremental update', async () => {
    const session = new KubeSession({ contextName: ADMIN_CONTEXT, namespace, kubeConfig });
    disposables.push(session);
    await session.nodes.ready;
    const initial = session.nodes.list().map((node) => node.metadata?.name);
    for (const name of ['gpu-h100-0', 'gpu-h100-1', 'gpu-a100-0', 'gpu-a100-1', 'cpu-0'])
      assert.ok(initial.includes(name), `${name} listed`);

    const changes: CacheChange<k8s.V1Node>[] = [];
    disposables.push(session.nodes.onDidChange((change) => changes.push(change)));
    const value = `v${Date.now()}`;
    await core.patchNode(
      { name: 'cpu-0', body: { metadata: { labels: { [LABEL]: value } } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    const change = await waitFor(
      () => changes.find((c) => c.updated.some((node) => node.metadata?.labels?.[LABEL] === value)),
      10_000,
      'the label change',
    );
    assert.ok(
      !change.added.some((node) => node.metadata?.name === 'cpu-0'),
      'the node is updated, not re-added',
    );
    assert.ok(
      change.updated.length < initial.length,
      'only changed nodes are in the change, not the whole list',
    );
    assert.equal(session.nodes.get(undefined, 'cpu-0')?.metadata?.labels?.[LABEL], value);
    assert.equal(session.nodes.state, 'ready');
  });

  it('relists when the server answers 410 Gone to an expired resourceVersion, then keeps watching', async () => {
    // ConfigMaps bypass the API server's watch cache in the sandbox (kwokConfig.ts), so once etcd
    // is compacted a watch from resourceVersion 2 is answered with a real 410 Gone.
    await compactEtcd();
    await waitFor(
      () => serverExpires(kubeConfig, `/api/v1/namespaces/${namespace}/configmaps`, '2'),
      20_000,
      'the API server to answer 410 Gone for resourceVersion 2 after compaction',
    );
    const source = new InstrumentedSource(
      listWatchSource<k8s.V1ConfigMap>(kubeConfig, {
        description: `list configmaps in namespace ${namespace}`,
        list: () => core.listNamespacedConfigMap({ namespace }),
        watchPath: `/api/v1/namespaces/${namespace}/configmaps`,
      }),
    );
    source.expiredVersion = '2';
    const cache = new KubeWatchCache(source, { initialBackoffMs: 50 });
    disposables.push(cache);
    await cache.ready;
    await waitFor(() => source.listCalls >= 2, 10_000, 'a relist after 410 Gone');
    assert.equal(source.watchVersions[0], '2');
    await core.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name: 'after-relist' }, data: { step: '1' } },
    });
    await waitFor(
      () => cache.get(namespace, 'after-relist'),
      10_000,
      'the object created after the relist',
    );
    assert.equal(cache.state, 'ready');
  });

  it('reconnects after the watch connection breaks and resumes from its resourceVersion', async () => {
    const source = new InstrumentedSource(podSource(kubeConfig, namespace));
    const cache = new KubeWatchCache(source, { initialBackoffMs: 50 });
    disposables.push(cache);
    const states: WatchCacheState[] = [];
    disposables.push(cache.onDidChangeState((state) => states.push(state)));
    await cache.ready;
    await waitFor(() => source.current, 10_000, 'the first watch');
    source.current!.abort();
    await waitFor(
      () => source.watchVersions.length >= 2 && cache.state === 'ready',
      10_000,
      'a new watch',
    );
    assert.ok(states.includes('reconnecting'), `states seen: ${states.join(', ')}`);
    assert.equal(source.listCalls, 1, 'a broken connection resumes the watch without relisting');
    await core.createNamespacedPod({ namespace, body: testPod('after-reconnect') });
    await waitFor(
      () => cache.get(namespace, 'after-reconnect'),
      10_000,
      'the pod created after reconnecting',
    );
  });
});
