import * as assert from 'node:assert/strict';
import type { V1Container, V1Node, V1Pod } from '@kubernetes/client-node';
import { GpuAccounting } from '../../../../src/cluster/gpu/accounting';
import { podGpuRequests } from '../../../../src/cluster/gpu/requests';
import { UNKNOWN_GPU } from '../../../../src/cluster/gpu/resources';

function gpuNode(
  name: string,
  resources: Record<string, string>,
  options: {
    labels?: Record<string, string>;
    ready?: boolean;
    unschedulable?: boolean;
    taints?: { key: string; value?: string; effect: string }[];
    allocatable?: Record<string, string>;
  } = {},
): V1Node {
  return {
    metadata: { name, labels: options.labels ?? {}, resourceVersion: '1' },
    spec: { unschedulable: options.unschedulable, taints: options.taints },
    status: {
      capacity: { cpu: '64', memory: '512Gi', ...resources },
      allocatable: { cpu: '63', memory: '500Gi', ...(options.allocatable ?? resources) },
      conditions: [{ type: 'Ready', status: options.ready === false ? 'False' : 'True' }],
    },
  };
}

function container(
  name: string,
  gpus?: Record<string, string>,
  extra: Partial<V1Container> = {},
  field: 'requests' | 'limits' = 'limits',
): V1Container {
  return { name, image: 'x', resources: gpus ? { [field]: gpus } : undefined, ...extra };
}

function pod(
  name: string,
  nodeName: string | undefined,
  containers: V1Container[],
  options: {
    phase?: string;
    initContainers?: V1Container[];
    namespace?: string;
    overhead?: Record<string, string>;
  } = {},
): V1Pod {
  return {
    metadata: { name, namespace: options.namespace ?? 'ml-team' },
    spec: {
      nodeName,
      containers,
      initContainers: options.initContainers,
      overhead: options.overhead,
    },
    status: { phase: options.phase ?? 'Running' },
  };
}

const H100 = {
  'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3',
  'nvidia.com/gpu.memory': '81559',
};
const A100 = { 'nvidia.com/gpu.product': 'NVIDIA-A100-SXM4-40GB' };

describe('gpuAccounting', () => {
  it('accounts mixed products per node and per product', () => {
    const nodes = [
      gpuNode('h100-a', { 'nvidia.com/gpu': '8' }, { labels: H100 }),
      gpuNode('h100-b', { 'nvidia.com/gpu': '8' }, { labels: H100 }),
      gpuNode('a100-a', { 'nvidia.com/gpu': '4' }, { labels: A100 }),
      gpuNode(
        'mi300',
        { 'amd.com/gpu': '8' },
        { labels: { 'amd.com/gpu.product-name': 'AMD_Instinct_MI300X' } },
      ),
      gpuNode('mystery', { 'nvidia.com/gpu': '2' }),
      gpuNode('cpu-only', {}),
    ];
    const pods = [
      pod('train', 'h100-a', [container('main', { 'nvidia.com/gpu': '8' })]),
      pod('dev', 'h100-b', [
        container('main', { 'nvidia.com/gpu': '2' }, {}, 'requests'),
        container('side', { 'nvidia.com/gpu': '1' }),
      ]),
      pod('amd', 'mi300', [container('main', { 'amd.com/gpu': '3' })]),
      pod('cpu', 'cpu-only', [container('main')]),
      pod('pending', undefined, [container('main', { 'nvidia.com/gpu': '4' })], {
        phase: 'Pending',
      }),
    ];
    const accounting = GpuAccounting.from(nodes, pods);
    assert.deepEqual(
      accounting
        .products()
        .map((p) => [p.product, p.total, p.allocatable, p.requested, p.free, p.nodeNames.length]),
      [
        ['AMD_Instinct_MI300X', 8, 8, 3, 5, 1],
        ['NVIDIA-A100-SXM4-40GB', 4, 4, 0, 4, 1],
        ['NVIDIA-H100-80GB-HBM3', 16, 16, 11, 5, 2],
        [UNKNOWN_GPU, 2, 2, 0, 2, 1],
      ],
    );
    assert.equal(accounting.product('NVIDIA-H100-80GB-HBM3')?.memoryMiB, 81559);
    const h100b = accounting.node('h100-b')!;
    assert.deepEqual([h100b.total, h100b.allocatable, h100b.requested, h100b.free], [8, 8, 3, 5]);
    assert.equal(accounting.node('cpu-only'), undefined, 'CPU-only nodes are not GPU nodes');
    assert.deepEqual(accounting.totals(), {
      total: 30,
      allocatable: 30,
      requested: 14,
      free: 16,
      schedulableFree: 16,
    });
  });

  it('uses allocatable, not capacity, for free GPUs', () => {
    const accounting = GpuAccounting.from(
      [
        gpuNode(
          'n',
          { 'nvidia.com/gpu': '8' },
          { labels: H100, allocatable: { 'nvidia.com/gpu': '7' } },
        ),
      ],
      [pod('p', 'n', [container('c', { 'nvidia.com/gpu': '2' })])],
    );
    const node = accounting.node('n')!;
    assert.deepEqual([node.total, node.allocatable, node.requested, node.free], [8, 7, 2, 5]);
  });

  it('accounts MIG resources as their own products', () => {
    const node = gpuNode(
      'mig',
      { 'nvidia.com/gpu': '0', 'nvidia.com/mig-1g.5gb': '7', 'nvidia.com/mig-3g.20gb': '2' },
      { labels: A100 },
    );
    const accounting = GpuAccounting.from(
      [node],
      [
        pod('small', 'mig', [container('c', { 'nvidia.com/mig-1g.5gb': '2' })]),
        pod('big', 'mig', [container('c', { 'nvidia.com/mig-3g.20gb': '1' })]),
      ],
    );
    const products = accounting
      .products()
      .map((p) => [p.product, p.allocatable, p.requested, p.free]);
    assert.deepEqual(products, [
      ['NVIDIA-A100-SXM4-40GB MIG 1g.5gb', 7, 2, 5],
      ['NVIDIA-A100-SXM4-40GB MIG 3g.20gb', 2, 1, 1],
    ]);
    assert.equal(accounting.node('mig')!.devices.length, 2);
    assert.equal(accounting.nodesOfProduct('NVIDIA-A100-SXM4-40GB MIG 3g.20gb')[0].free, 1);
  });

  it('does not count terminated pods', () => {
    const accounting = GpuAccounting.from(
      [gpuNode('n', { 'nvidia.com/gpu': '8' }, { labels: H100 })],
      [
        pod('done', 'n', [container('c', { 'nvidia.com/gpu': '4' })], { phase: 'Succeeded' }),
        pod('crashed', 'n', [container('c', { 'nvidia.com/gpu': '2' })], { phase: 'Failed' }),
        pod('pending-bound', 'n', [container('c', { 'nvidia.com/gpu': '1' })], {
          phase: 'Pending',
        }),
      ],
    );
    assert.equal(accounting.node('n')!.requested, 1);
  });

  it('counts init containers as the scheduler does: max(init, sum of app containers)', () => {
    const bigInit = pod(
      'a',
      'n',
      [container('x', { 'nvidia.com/gpu': '1' }), container('y', { 'nvidia.com/gpu': '1' })],
      {
        initContainers: [
          container('init', { 'nvidia.com/gpu': '4' }),
          container('init2', { 'nvidia.com/gpu': '1' }),
        ],
      },
    );
    assert.equal(podGpuRequests(bigInit).get('nvidia.com/gpu'), 4);
    const bigApps = pod(
      'b',
      'n',
      [container('x', { 'nvidia.com/gpu': '3' }), container('y', { 'nvidia.com/gpu': '2' })],
      { initContainers: [container('init', { 'nvidia.com/gpu': '4' })] },
    );
    assert.equal(podGpuRequests(bigApps).get('nvidia.com/gpu'), 5);
    // A sidecar (restartable init container) runs next to the app containers and later inits.
    const sidecar = pod('c', 'n', [container('x', { 'nvidia.com/gpu': '2' })], {
      initContainers: [
        container('side', { 'nvidia.com/gpu': '1' }, { restartPolicy: 'Always' }),
        container('init', { 'nvidia.com/gpu': '4' }),
      ],
    });
    assert.equal(podGpuRequests(sidecar).get('nvidia.com/gpu'), 5);
    const overhead = pod('d', 'n', [container('x', { 'nvidia.com/gpu': '1' })], {
      overhead: { 'nvidia.com/gpu': '1' },
    });
    assert.equal(podGpuRequests(overhead).get('nvidia.com/gpu'), 2);
  });

  it('reports Ready/NotReady, cordoned and tainted', () => {
    const accounting = GpuAccounting.from(
      [
        gpuNode('ok', { 'nvidia.com/gpu': '8' }, { labels: H100 }),
        gpuNode(
          'down',
          { 'nvidia.com/gpu': '8' },
          {
            labels: H100,
            ready: false,
            taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }],
          },
        ),
        gpuNode(
          'cordoned',
          { 'nvidia.com/gpu': '8' },
          {
            labels: H100,
            unschedulable: true,
            taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }],
          },
        ),
        gpuNode(
          'tainted',
          { 'nvidia.com/gpu': '8' },
          {
            labels: H100,
            taints: [{ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' }],
          },
        ),
      ],
      [],
    );
    const state = (name: string): [boolean, boolean, boolean] => {
      const node = accounting.node(name)!;
      return [node.ready, node.cordoned, node.tainted];
    };
    assert.deepEqual(state('ok'), [true, false, false]);
    assert.deepEqual(state('down'), [false, false, false]);
    assert.deepEqual(state('cordoned'), [true, true, false]);
    assert.deepEqual(state('tainted'), [true, false, true]);
    assert.deepEqual(accounting.node('tainted')!.taints, ['nvidia.com/gpu=present:NoSchedule']);
    const product = accounting.product('NVIDIA-H100-80GB-HBM3')!;
    assert.equal(product.free, 32);
    assert.equal(
      product.schedulableFree,
      16,
      'free GPUs on NotReady or cordoned nodes are not schedulable',
    );
  });

  it('updates incrementally and names only the nodes and products that changed', () => {
    const nodes = [
      gpuNode('h1', { 'nvidia.com/gpu': '8' }, { labels: H100 }),
      gpuNode('h2', { 'nvidia.com/gpu': '8' }, { labels: H100 }),
      gpuNode('a1', { 'nvidia.com/gpu': '4' }, { labels: A100 }),
    ];
    const accounting = GpuAccounting.from(nodes, []);
    const job = pod('job', 'h2', [container('c', { 'nvidia.com/gpu': '4' })]);
    const added = accounting.updatePod(job);
    assert.deepEqual(added, {
      nodes: ['h2'],
      products: ['NVIDIA-H100-80GB-HBM3'],
      productsAddedOrRemoved: false,
    });
    assert.equal(accounting.product('NVIDIA-H100-80GB-HBM3')!.requested, 4);
    assert.deepEqual(accounting.updatePod(job).nodes, [], 'an unchanged pod changes nothing');
    assert.deepEqual(accounting.updatePod({ ...job, status: { phase: 'Succeeded' } }).nodes, [
      'h2',
    ]);
    assert.equal(accounting.node('h2')!.requested, 0);

    const cordoned = accounting.updateNode(
      gpuNode('a1', { 'nvidia.com/gpu': '4' }, { labels: A100, unschedulable: true }),
    );
    assert.deepEqual(cordoned.nodes, ['a1']);
    assert.deepEqual(cordoned.products, ['NVIDIA-A100-SXM4-40GB']);
    const removed = accounting.deleteNode('a1');
    assert.equal(removed.productsAddedOrRemoved, true);
    assert.equal(accounting.product('NVIDIA-A100-SXM4-40GB'), undefined);

    // The incremental state equals a full recompute of the same objects.
    const again = GpuAccounting.from(nodes.slice(0, 2), [
      { ...job, status: { phase: 'Succeeded' } },
    ]);
    assert.deepEqual(accounting.products(), again.products());
    assert.deepEqual(accounting.nodes(), again.nodes());
  });

  it('applies batched cache changes, including a pod seen before its node', () => {
    const accounting = new GpuAccounting();
    const first = accounting.applyPodChange({
      added: [pod('early', 'late-node', [container('c', { 'nvidia.com/gpu': '2' })])],
      updated: [],
      deleted: [],
    });
    assert.deepEqual(first.nodes, []);
    const second = accounting.applyNodeChange({
      added: [gpuNode('late-node', { 'nvidia.com/gpu': '8' }, { labels: H100 })],
      updated: [],
      deleted: [],
    });
    assert.deepEqual(second.nodes, ['late-node']);
    assert.equal(accounting.node('late-node')!.requested, 2);
    const gone = accounting.applyPodChange({
      added: [],
      updated: [],
      deleted: [pod('early', 'late-node', [])],
    });
    assert.deepEqual(gone.nodes, ['late-node']);
    assert.equal(accounting.node('late-node')!.free, 8);
  });
});
