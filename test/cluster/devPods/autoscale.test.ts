import * as assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { createTestNamespace, deleteTestNamespace, sandboxKubeConfig, waitFor } from '../sandbox';
import { createDevPod, deleteDevPod } from '../../../src/devPods/lifecycle';
import { detectNodeAutoscaler } from '../../../src/cluster/autoscalerDetection';
import { defaultResourcesFor, type DevPodSpec } from '../../../src/devPods/model/spec';
import { isKubeMlError } from '../../../src/cluster/errors';
import type { StartProgress } from '../../../src/devPods/model/startProgress';
import { L4 } from '../../../scripts/sandbox/fixtures';

const GROUP = 'l4-autoscaled';

function l4DevPod(namespace: string, name: string, gpus: number): DevPodSpec {
  return {
    name,
    namespace,
    gpu: { product: L4.product, count: gpus },
    image: 'pytorch/pytorch:2.4.1-cuda12.4-cudnn9-runtime',
    imagePreset: 'pytorch',
    ...defaultResourcesFor(gpus),
    workspace: { size: '1Gi' },
    idleMinutes: 60,
    restrictedPodSecurity: true,
  };
}

describe("devPods on an autoscaled GPU pool (the sandbox's Cluster Autoscaler stand-in)", function () {
  this.timeout(180_000);
  const admin = sandboxKubeConfig('admin');
  const core = admin.makeApiClient(k8s.CoreV1Api);
  const groupNodes = async () =>
    (await core.listNode({ labelSelector: `kube-ml.dev/pool=${GROUP}` })).items.map(
      (node) => node.metadata?.name,
    );
  let namespace = '';

  before(async () => {
    namespace = await createTestNamespace('devpods-autoscale');
    assert.deepEqual(await groupNodes(), [], `the ${GROUP} pool starts with no node`);
  });
  after(async () => {
    if (namespace) await deleteTestNamespace(namespace);
  });

  it("is detected: the admin sees Cluster Autoscaler's status ConfigMap; the developer cannot tell", async () => {
    assert.equal(await detectNodeAutoscaler(admin), 'cluster-autoscaler');
    assert.equal(await detectNodeAutoscaler(sandboxKubeConfig('developer')), 'unknown');
  });

  it('a dev pod on a pool with zero nodes waits through the scale-up and runs on the new node, which goes when unneeded', async () => {
    const seen: StartProgress[] = [];
    const started = await createDevPod(admin, l4DevPod(namespace, 'l4-dev', 1), {
      onProgress: (progress) => seen.push(progress),
    });
    assert.equal(started.node, `${GROUP}-0`);
    assert.ok(
      seen.some(
        (progress) =>
          progress.message ===
          `Waiting for a new node: scale-up triggered: ${GROUP} 0 -> 1 node (max 2)`,
      ),
      seen.map((progress) => progress.message).join(' | '),
    );
    assert.ok(!seen.some((progress) => progress.stage === 'failed'));

    await deleteDevPod(admin, namespace, 'l4-dev', { keepVolume: false });
    await waitFor(
      async () => (await groupNodes()).length === 0,
      90_000,
      'the unneeded node to be removed',
    );
  });

  it("the developer, who cannot see the autoscaler, learns of the scale-up from the pod's events and waits too", async () => {
    const seen: string[] = [];
    const started = await createDevPod(
      sandboxKubeConfig('developer'),
      l4DevPod(namespace, 'l4-dev-developer', 1),
      { onProgress: (progress) => seen.push(progress.message), autoscalerGraceMs: 120_000 },
    );
    assert.equal(started.node, `${GROUP}-0`);
    assert.ok(
      seen.includes(`Waiting for a new node: scale-up triggered: ${GROUP} 0 -> 1 node (max 2)`),
      seen.join(' | '),
    );
    await deleteDevPod(admin, namespace, 'l4-dev-developer', { keepVolume: false });
    await waitFor(
      async () => (await groupNodes()).length === 0,
      90_000,
      'the unneeded node to be removed',
    );
  });

  it("a request no new node could hold fails with the autoscaler's reason and leaves nothing behind", async () => {
    let failure: unknown;
    await createDevPod(admin, {
      ...l4DevPod(namespace, 'l4-too-big', 8),
      cpu: '8',
      memory: '64Gi',
    }).catch((error: unknown) => (failure = error));
    assert.ok(isKubeMlError(failure), `expected a KubeMlError, got ${String(failure)}`);
    assert.equal(failure.kind, 'noGpuCapacity');
    assert.match(
      failure.summary,
      /no node with 8 free NVIDIA-L4 GPUs; .*the node autoscaler cannot add a node for it \(cluster-autoscaler: 1 Insufficient nvidia\.com\/gpu\)/,
    );
    assert.match(
      failure.detail ?? '',
      /didn't match Pod's node affinity\/selector(.|\n)*cluster-autoscaler: 1 Insufficient nvidia\.com\/gpu/,
      "the details keep the scheduler's message and the autoscaler's",
    );
    await waitFor(
      () =>
        core.readNamespacedPod({ namespace, name: 'l4-too-big' }).then(
          () => false,
          (error: { code?: number }) => error.code === 404,
        ),
      30_000,
      'the pod to be removed',
    );
    assert.deepEqual(await groupNodes(), [], 'no node was added');
  });
});
