import * as assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import {
  DEVELOPER_CONTEXT,
  GPU_TOLERATIONS,
  createTestNamespace,
  deleteTestNamespace,
  sandboxKubeConfig,
  waitFor,
} from '../sandbox';
import { assertWithinGpuQuota } from '../../../src/cluster/gpu/quota';
import { toKubeMlError } from '../../../src/cluster/errors';
import { KubeSession } from '../../../src/cluster/kubeSession';
import { gpuOffer } from '../../../src/devPods/gpuOffer';

function gpuPod(name: string, gpus: number): k8s.V1Pod {
  return {
    metadata: { name },
    spec: {
      tolerations: GPU_TOLERATIONS,
      containers: [
        {
          name: 'main',
          image: 'python:3.11',
          resources: {
            requests: { 'nvidia.com/gpu': String(gpus) },
            limits: { 'nvidia.com/gpu': String(gpus) },
          },
        },
      ],
    },
  };
}

describe("devPods: the namespace's GPU quota before launch", function () {
  this.timeout(60_000);
  const admin = sandboxKubeConfig('admin').makeApiClient(k8s.CoreV1Api);
  let namespace = '';
  let session: KubeSession | undefined;

  before(async () => {
    namespace = await createTestNamespace('devpods-quota');
    await admin.createNamespacedResourceQuota({
      namespace,
      body: { metadata: { name: 'gpu-quota' }, spec: { hard: { 'requests.nvidia.com/gpu': '2' } } },
    });
    await admin.createNamespacedPod({ namespace, body: gpuPod('holder', 1) });
    // The quota controller fills in what the namespace uses.
    await waitFor(
      async () =>
        (await admin.readNamespacedResourceQuota({ namespace, name: 'gpu-quota' })).status?.used?.[
          'requests.nvidia.com/gpu'
        ] === '1',
      30_000,
      'the quota to count the holder pod',
    );
    session = new KubeSession({
      contextName: DEVELOPER_CONTEXT,
      namespace,
      kubeConfig: sandboxKubeConfig('developer'),
    });
  });
  after(async () => {
    session?.dispose();
    if (namespace) await deleteTestNamespace(namespace);
  });

  it("offers the quota's figures with the free GPUs, and refuses what the API server refuses, before creating it", async () => {
    const offer = await gpuOffer(session!, []);
    assert.equal(offer.kind, 'capacity');
    assert.deepEqual(offer.quota, { name: 'gpu-quota', used: 1, hard: 2, room: 1 });
    assert.doesNotThrow(() => assertWithinGpuQuota(offer.quota, 1, namespace));
    assert.throws(
      () => assertWithinGpuQuota(offer.quota, 2, namespace),
      /2 GPUs would exceed the GPU quota gpu-quota: 1 of 2 used/,
    );
    // The same request, sent anyway, is what the API server turns down: our figure is its figure.
    const refused = await admin.createNamespacedPod({ namespace, body: gpuPod('two', 2) }).then(
      () => undefined,
      (error: unknown) => toKubeMlError(error, 'create pod'),
    );
    assert.equal(refused?.kind, 'quotaExceeded');
  });
});
