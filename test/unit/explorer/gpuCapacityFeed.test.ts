import * as assert from 'node:assert/strict';
import type { KubeConfig, V1Node, V1Pod } from '@kubernetes/client-node';
import type { GpuNodeSummary } from '../../../src/cluster/gpu/accounting';
import { Emitter } from '../../../src/cluster/emitter';
import type { CacheChange, ClusterSession, WatchCache } from '../../../src/cluster/session';
import { describeGpuNode, gpuNodeTooltip, statusBarText } from '../../../src/explorer/model/format';
import {
  GpuCapacityFeed,
  type GpuCapacityEvent,
} from '../../../src/explorer/model/gpuCapacityFeed';

class ListCache<T> implements WatchCache<T> {
  readonly ready = Promise.resolve();
  readonly changes = new Emitter<CacheChange<T>>();
  constructor(private readonly items: T[]) {}
  list(): readonly T[] {
    return this.items;
  }
  get(): T | undefined {
    return undefined;
  }
  onDidChange(listener: (change: CacheChange<T>) => void) {
    return this.changes.event(listener);
  }
}

const node = (name: string, gpus: string, ready = true): V1Node => ({
  metadata: { name, labels: { 'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3' } },
  status: {
    capacity: { 'nvidia.com/gpu': gpus },
    allocatable: { 'nvidia.com/gpu': gpus },
    conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
  },
});
const pod = (name: string, nodeName: string, gpus: string): V1Pod => ({
  metadata: { name, namespace: 'ml-team' },
  spec: {
    nodeName,
    containers: [{ name: 'c', resources: { limits: { 'nvidia.com/gpu': gpus } } }],
  },
  status: { phase: 'Running' },
});

describe('GpuCapacityFeed', () => {
  it('seeds from the caches and reports only the changed nodes', async () => {
    const nodes = new ListCache([node('h1', '8'), node('h2', '8')]);
    const pods = new ListCache([pod('a', 'h1', '2')]);
    const session = {
      contextName: 'c',
      namespace: 'ml-team',
      kubeConfig: {} as KubeConfig,
      nodes,
      pods,
      can: async () => true,
      requireAccess: async () => undefined,
      dispose: () => undefined,
    } satisfies ClusterSession;
    const feed = new GpuCapacityFeed(session);
    const events: GpuCapacityEvent[] = [];
    feed.onDidChange((event) => events.push(event));
    assert.equal(feed.accounting.totals().requested, 2);
    pods.changes.fire({ added: [pod('b', 'h2', '4')], updated: [], deleted: [] });
    const figures = events.filter((event) => event.kind === 'figures');
    assert.equal(figures.length, 1);
    assert.deepEqual(figures[0].kind === 'figures' && figures[0].change.nodes, ['h2']);
    assert.equal(feed.accounting.node('h2')?.free, 4);
    nodes.changes.fire({ added: [], updated: [node('h1', '8')], deleted: [] });
    assert.equal(
      events.filter((event) => event.kind === 'figures').length,
      1,
      'an unchanged node is no change',
    );
    feed.dispose();
  });
});

describe('explorer texts', () => {
  const summary: GpuNodeSummary = {
    name: 'gpu-h100-0',
    ready: false,
    cordoned: true,
    tainted: true,
    taints: ['nvidia.com/gpu:NoSchedule'],
    memoryMiB: 81920,
    devices: [
      {
        resource: 'nvidia.com/gpu',
        product: 'NVIDIA-H100-80GB-HBM3',
        total: 8,
        allocatable: 8,
        requested: 3,
        free: 5,
        acceptsNewPods: false,
      },
    ],
    total: 8,
    allocatable: 8,
    requested: 3,
    free: 5,
  };

  it('describes a GPU node with its figures and state', () => {
    assert.equal(
      describeGpuNode(summary),
      '5 free · 3 requested · 8 allocatable · 8 total · NotReady, cordoned, tainted',
    );
    assert.match(gpuNodeTooltip(summary), /Taints: nvidia.com\/gpu:NoSchedule/);
    assert.match(gpuNodeTooltip(summary), /80 GiB/);
  });

  it('renders the status bar text', () => {
    assert.equal(
      statusBarText('kube-ml-sandbox', 'ml-team', {
        total: 24,
        allocatable: 24,
        requested: 4,
        free: 20,
        schedulableFree: 20,
      }),
      '$(server-environment) kube-ml-sandbox / ml-team  $(circuit-board) 20/24 GPUs free',
    );
    assert.equal(statusBarText('ctx', 'default', undefined), '$(server-environment) ctx / default');
    assert.equal(
      statusBarText('ctx', 'default', undefined, true),
      '$(sync~spin) ctx / default (reconnecting)',
    );
  });
});
