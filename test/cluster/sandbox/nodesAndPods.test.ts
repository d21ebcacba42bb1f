import * as assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { createTestNamespace, deleteTestNamespace, sandboxKubeConfig, waitFor } from '../sandbox';
import { SIMULATED_NODE_SELECTOR } from '../../../scripts/sandbox/fixtures';
import { trainingPod } from './testPods';

describe('sandbox: nodes and pods through the API server', () => {
  const kubeConfig = sandboxKubeConfig('admin');
  const core = kubeConfig.makeApiClient(k8s.CoreV1Api);
  let namespace = '';

  before(async () => {
    namespace = await createTestNamespace('sandbox-nodes');
  });
  after(async () => {
    await deleteTestNamespace(namespace);
  });

  it('lists GPU node pools labelled and tainted like the NVIDIA GPU operator does', async () => {
    const nodes = (await core.listNode()).items;
    const byProduct = (product: string): k8s.V1Node[] =>
      nodes.filter((node) => node.metadata?.labels?.['nvidia.com/gpu.product'] === product);
    const h100 = byProduct('NVIDIA-H100-80GB-HBM3');
    const a100 = byProduct('NVIDIA-A100-SXM4-40GB');
    assert.ok(h100.length >= 2, `expected >= 2 H100 nodes, got ${h100.length}`);
    assert.ok(a100.length >= 2, `expected >= 2 A100 nodes, got ${a100.length}`);
    for (const node of h100) {
      assert.equal(node.status?.allocatable?.['nvidia.com/gpu'], '8');
      assert.equal(node.status?.capacity?.['nvidia.com/gpu'], '8');
      assert.equal(node.metadata?.labels?.['nvidia.com/gpu.memory'], '81559');
      assert.equal(node.metadata?.labels?.['nvidia.com/gpu.count'], '8');
    }
    for (const node of a100) {
      assert.equal(node.status?.allocatable?.['nvidia.com/gpu'], '4');
      assert.equal(node.metadata?.labels?.['nvidia.com/gpu.memory'], '40960');
    }
    for (const node of [...h100, ...a100]) {
      assert.ok(
        node.spec?.taints?.some(
          (taint) => taint.key === 'nvidia.com/gpu' && taint.effect === 'NoSchedule',
        ),
        `${node.metadata?.name} lacks the nvidia.com/gpu:NoSchedule taint`,
      );
      assert.equal(node.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
    }
    const cpuOnly = nodes.filter((node) => !node.status?.allocatable?.['nvidia.com/gpu']);
    assert.ok(cpuOnly.length >= 1, 'expected a CPU-only node');
  });

  it('gives every KWOK node and pod a loopback address', async () => {
    for (const node of (await core.listNode({ limit: 20, labelSelector: SIMULATED_NODE_SELECTOR }))
      .items) {
      for (const address of node.status?.addresses ?? []) {
        if (address.type === 'InternalIP') assert.match(address.address, /^127\./);
        if (address.type === 'Hostname') assert.equal(address.address, 'localhost');
      }
    }
    const service = await core.readNamespacedService({ namespace: 'default', name: 'kubernetes' });
    assert.match(service.spec?.clusterIP ?? '', /^127\.96\./);
  });

  it('watches a new pod from ADDED to Running with a 127.64.x.x pod IP', async () => {
    const events: Array<{ type: string; phase?: string }> = [];
    const watch = new k8s.Watch(kubeConfig);
    const request = await watch.watch(
      `/api/v1/namespaces/${namespace}/pods`,
      {},
      (type: string, pod: k8s.V1Pod) => events.push({ type, phase: pod.status?.phase }),
      () => undefined,
    );
    try {
      await core.createNamespacedPod({ namespace, body: trainingPod('watched', 1) });
      await waitFor(
        () => events.some((event) => event.type === 'MODIFIED' && event.phase === 'Running'),
        30000,
        'a Running event',
      );
      assert.equal(events[0].type, 'ADDED');
      const pod = await core.readNamespacedPod({ namespace, name: 'watched' });
      assert.match(pod.status?.podIP ?? '', /^127\.64\./);
      assert.ok(
        pod.spec?.nodeName?.startsWith('gpu-'),
        `a GPU pod landed on ${pod.spec?.nodeName}`,
      );
      assert.equal(pod.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
    } finally {
      request.abort();
    }
  });

  it('keeps GPU pods without the toleration off the tainted GPU nodes', async () => {
    const pod = trainingPod('untolerated', 1);
    pod.spec!.tolerations = undefined;
    await core.createNamespacedPod({ namespace, body: pod });
    const unschedulable = await waitFor(
      async () => {
        const current = await core.readNamespacedPod({ namespace, name: 'untolerated' });
        return current.status?.conditions?.find(
          (c) => c.type === 'PodScheduled' && c.reason === 'Unschedulable',
        );
      },
      30000,
      'the scheduler to report Unschedulable',
    );
    assert.match(unschedulable.message ?? '', /nvidia\.com\/gpu|untolerated taint|Insufficient/);
  });
});
