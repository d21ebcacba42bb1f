import * as assert from 'node:assert/strict';
import type { V1Node, V1Pod, V1Taint } from '@kubernetes/client-node';
import { freeGpusByProduct } from '../../../../src/cluster/gpu/freeGpus';
import type { ClusterSession } from '../../../../src/cluster/session';
import { gpuOffer } from '../../../../src/devPods/gpuOffer';
import { freeGpusByNode } from '../../../../src/jobs/model/gpuFit';
import { deployableGpus } from '../../../../src/serving/model/freeGpus';

const H100 = 'NVIDIA-H100-80GB-HBM3';
const A100 = 'NVIDIA-A100-SXM4-40GB';
const MIG_SLICE = 'NVIDIA-A100-SXM4-40GB-MIG-1g.5gb';
const GPU_TAINT: V1Taint = { key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' };

function node(
  name: string,
  product: string,
  allocatable: Record<string, string>,
  options: {
    ready?: boolean;
    unschedulable?: boolean;
    taints?: V1Taint[];
    labels?: Record<string, string>;
  } = {},
): V1Node {
  return {
    metadata: { name, labels: { 'nvidia.com/gpu.product': product, ...options.labels } },
    spec: { unschedulable: options.unschedulable, taints: options.taints ?? [GPU_TAINT] },
    status: {
      capacity: allocatable,
      allocatable,
      conditions: [{ type: 'Ready', status: options.ready === false ? 'False' : 'True' }],
    },
  };
}

function podOn(nodeName: string, gpus: number, name = `holder-${nodeName}`): V1Pod {
  return {
    metadata: { name, namespace: 'ml' },
    spec: {
      nodeName,
      containers: [{ name: 'c', resources: { limits: { 'nvidia.com/gpu': String(gpus) } } }],
    },
    status: { phase: 'Running' },
  };
}

// One cluster with every kind of node a free-GPU answer must get right.
const nodes: V1Node[] = [
  node('h100-ready', H100, { 'nvidia.com/gpu': '8' }),
  node(
    'h100-prefer-no-schedule',
    H100,
    { 'nvidia.com/gpu': '8' },
    { taints: [GPU_TAINT, { key: 'spot', effect: 'PreferNoSchedule' }] },
  ),
  node(
    'h100-not-ready',
    H100,
    { 'nvidia.com/gpu': '8' },
    {
      ready: false,
      taints: [GPU_TAINT, { key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }],
    },
  ),
  node('h100-cordoned', H100, { 'nvidia.com/gpu': '8' }, { unschedulable: true }),
  node(
    'h100-dedicated',
    H100,
    { 'nvidia.com/gpu': '8' },
    { taints: [GPU_TAINT, { key: 'dedicated', value: 'team-a', effect: 'NoSchedule' }] },
  ),
  node(
    'h100-gpu-no-execute',
    H100,
    { 'nvidia.com/gpu': '8' },
    { taints: [{ key: 'nvidia.com/gpu', effect: 'NoExecute' }] },
  ),
  node(
    'a100-mig-single',
    MIG_SLICE,
    { 'nvidia.com/gpu': '7' },
    { labels: { 'nvidia.com/mig.strategy': 'single' } },
  ),
  node(
    'a100-mig-mixed',
    A100,
    { 'nvidia.com/mig-1g.5gb': '7', 'nvidia.com/mig-3g.20gb': '2' },
    { labels: { 'nvidia.com/mig.strategy': 'mixed' } },
  ),
  {
    metadata: { name: 'cpu-1' },
    status: { allocatable: { cpu: '64' }, conditions: [{ type: 'Ready', status: 'True' }] },
  },
];
const pods: V1Pod[] = [
  podOn('h100-ready', 3),
  podOn('h100-prefer-no-schedule', 2),
  podOn('h100-not-ready', 1),
  podOn('h100-dedicated', 4),
  podOn('a100-mig-single', 1),
];

/** Free GPUs and the most on one node, per product: what a new pod asking for nvidia.com/gpu can get. */
const EXPECTED = new Map([
  [H100, { free: 5 + 6, largestOnOneNode: 6 }],
  [MIG_SLICE, { free: 6, largestOnOneNode: 6 }],
]);

type Answer = Map<string, { free: number; largestOnOneNode: number }>;

/** Just enough of a session for the offer: caches that have listed, and no GPU quota in the namespace. */
function sessionOf(clusterNodes: V1Node[], clusterPods: V1Pod[]): ClusterSession {
  const noQuotas = { listNamespacedResourceQuota: async () => ({ items: [] }) };
  return {
    namespace: 'ml',
    nodes: { ready: Promise.resolve(), list: () => clusterNodes },
    pods: { ready: Promise.resolve(), list: () => clusterPods },
    can: async () => true,
    kubeConfig: { makeApiClient: () => noQuotas },
  } as unknown as ClusterSession;
}

async function devPodsAnswer(): Promise<Answer> {
  const offer = await gpuOffer(sessionOf(nodes, pods), []);
  assert.equal(offer.kind, 'capacity');
  if (offer.kind !== 'capacity') return new Map();
  return new Map(
    offer.products.map((product) => [
      product.product,
      { free: product.free, largestOnOneNode: product.maxFreeOnOneNode },
    ]),
  );
}

function jobsAnswer(): Answer {
  const answer: Answer = new Map();
  for (const candidate of freeGpusByNode(nodes, pods)) {
    const entry = answer.get(candidate.product) ?? { free: 0, largestOnOneNode: 0 };
    answer.set(candidate.product, {
      free: entry.free + candidate.free,
      largestOnOneNode: Math.max(entry.largestOnOneNode, candidate.free),
    });
  }
  return answer;
}

function sorted(answer: Answer): [string, { free: number; largestOnOneNode: number }][] {
  return [...answer.entries()]
    .filter(([, figures]) => figures.free > 0)
    .sort(([a], [b]) => a.localeCompare(b));
}

describe('free GPUs: one answer for dev pods, jobs and serving', () => {
  it('counts only Ready, uncordoned nodes whose taints our GPU pods tolerate, and MIG slices only as nvidia.com/gpu', () => {
    const products = freeGpusByProduct(nodes, pods);
    assert.deepEqual(
      sorted(
        new Map(
          products.map((product) => [
            product.product,
            { free: product.free, largestOnOneNode: product.maxFreeOnOneNode },
          ]),
        ),
      ),
      sorted(EXPECTED),
    );
    const h100 = products.find((product) => product.product === H100);
    assert.equal(h100?.total, 48, 'the total still counts the GPUs of nodes that take no new pods');
    assert.deepEqual(
      h100?.nodes
        .filter((candidate) => !candidate.acceptsNewGpuPods)
        .map((candidate) => [candidate.node, candidate.free]),
      [
        ['h100-cordoned', 0],
        ['h100-dedicated', 0],
        ['h100-gpu-no-execute', 0],
        ['h100-not-ready', 0],
      ],
    );
    assert.ok(
      !products.some((product) => product.product.includes(' MIG ')),
      'mixed-strategy MIG slices cannot serve an nvidia.com/gpu request',
    );
  });

  it('Create Dev Pod, Run Training Job and Deploy Model agree per product', async () => {
    const devPods = sorted(await devPodsAnswer());
    const jobs = sorted(jobsAnswer());
    const serving = sorted(deployableGpus(nodes, pods) as Answer);
    assert.deepEqual(devPods, sorted(EXPECTED), 'dev pods');
    assert.deepEqual(jobs, sorted(EXPECTED), 'jobs');
    assert.deepEqual(serving, sorted(EXPECTED), 'serving');
  });
});
