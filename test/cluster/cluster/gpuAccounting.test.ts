import * as assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { GpuAccounting } from '../../../src/cluster/gpu/accounting';
import { podGpuRequests } from '../../../src/cluster/gpu/requests';
import { KubeSession } from '../../../src/cluster/kubeSession';
import { GpuCapacityFeed } from '../../../src/explorer/model/gpuCapacityFeed';
import { fixtureNodes } from '../../../scripts/sandbox/fixtures';
import {
  ADMIN_CONTEXT,
  createTestNamespace,
  deleteTestNamespace,
  sandboxKubeConfig,
  waitFor,
} from '../sandbox';

const FIXTURE_NAMES = new Set(fixtureNodes().map((node) => node.metadata!.name!));

describe('GPU accounting from the sandbox nodes', () => {
  const kubeConfig = sandboxKubeConfig('admin');
  const core = kubeConfig.makeApiClient(k8s.CoreV1Api);
  let namespace: string;
  let session: KubeSession;
  let feed: GpuCapacityFeed;

  before(async () => {
    namespace = await createTestNamespace('foundation-gpu');
    session = new KubeSession({ contextName: ADMIN_CONTEXT, namespace, kubeConfig });
    feed = new GpuCapacityFeed(session);
    await Promise.all([session.nodes.ready, session.pods.ready]);
  });
  after(async () => {
    feed.dispose();
    session.dispose();
    await deleteTestNamespace(namespace);
  });

  it('matches the fixture: 2x8 H100 and 2x4 A100, tainted and Ready', () => {
    const expected = GpuAccounting.from(fixtureNodes(), []);
    for (const product of ['NVIDIA-H100-80GB-HBM3', 'NVIDIA-A100-SXM4-40GB']) {
      const nodes = feed.accounting
        .nodesOfProduct(product)
        .filter((node) => FIXTURE_NAMES.has(node.name));
      const wanted = expected.nodesOfProduct(product);
      assert.deepEqual(
        nodes.map((node) => [node.name, node.total, node.allocatable]),
        wanted.map((node) => [node.name, node.total, node.allocatable]),
        product,
      );
      for (const node of nodes) {
        assert.equal(node.ready, true, `${node.name} Ready`);
        assert.equal(node.tainted, true, `${node.name} carries the nvidia.com/gpu taint`);
        assert.equal(node.cordoned, false);
      }
    }
    assert.deepEqual(
      expected.nodesOfProduct('NVIDIA-H100-80GB-HBM3').map((n) => n.total),
      [8, 8],
    );
    assert.deepEqual(
      expected.nodesOfProduct('NVIDIA-A100-SXM4-40GB').map((n) => n.total),
      [4, 4],
    );
    assert.equal(feed.accounting.node('cpu-0'), undefined, 'the CPU-only node is not a GPU node');
    assert.equal(feed.accounting.product('NVIDIA-H100-80GB-HBM3')?.memoryMiB, 81559);
  });

  it('counts a GPU pod once it is bound, and stops counting it when it is deleted', async () => {
    const requestedOnNode = async (nodeName: string): Promise<number> => {
      const pods = await core.listPodForAllNamespaces({
        fieldSelector: `spec.nodeName=${nodeName}`,
      });
      return pods.items.reduce(
        (sum, pod) => sum + (podGpuRequests(pod).get('nvidia.com/gpu') ?? 0),
        0,
      );
    };
    await core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name: 'gpu-user' },
        spec: {
          containers: [
            {
              name: 'main',
              image: 'busybox',
              command: ['sleep', '3600'],
              resources: { limits: { 'nvidia.com/gpu': '1' } },
            },
          ],
          tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
          terminationGracePeriodSeconds: 0,
        },
      },
    });
    const nodeName = await waitFor(
      () => session.pods.get(namespace, 'gpu-user')?.spec?.nodeName,
      30_000,
      'the pod to be scheduled',
    );
    await waitFor(
      async () => {
        const expected = await requestedOnNode(nodeName);
        return expected >= 1 && feed.accounting.node(nodeName)?.requested === expected;
      },
      15_000,
      `requested GPUs on ${nodeName} to match the pods bound there`,
    );

    await core.deleteNamespacedPod({ namespace, name: 'gpu-user', gracePeriodSeconds: 0 });
    await waitFor(
      () => !session.pods.get(namespace, 'gpu-user'),
      30_000,
      'the pod to disappear from the cache',
    );
    await waitFor(
      async () => feed.accounting.node(nodeName)?.requested === (await requestedOnNode(nodeName)),
      15_000,
      'requested GPUs to drop again',
    );
    const summary = feed.accounting.node(nodeName)!;
    assert.equal(summary.free, summary.allocatable - summary.requested);
  });
});
