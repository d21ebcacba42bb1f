import * as assert from 'node:assert/strict';
import { CoreV1Api } from '@kubernetes/client-node';
import { NAMESPACE_ONLY_CONTEXT, NAMESPACE_ONLY_NAMESPACE, sandboxKubeConfig } from '../sandbox';
import { isKubeMlError } from '../../../src/cluster/errors';
import { KubeSession } from '../../../src/cluster/kubeSession';
import { gpuOffer } from '../../../src/devPods/gpuOffer';
import { createDevPod, deleteDevPod } from '../../../src/devPods/lifecycle';
import { defaultResourcesFor, type DevPodSpec } from '../../../src/devPods/model/spec';

const NAME = 'solo-dev';

describe('devPods as a namespace-only user (edit in ml-solo, no cluster-scoped read)', function () {
  this.timeout(120_000);
  const kubeConfig = sandboxKubeConfig('namespace-only');
  const session = new KubeSession({
    contextName: NAMESPACE_ONLY_CONTEXT,
    namespace: NAMESPACE_ONLY_NAMESPACE,
    kubeConfig,
  });

  after(async () => {
    session.dispose();
    await deleteDevPod(kubeConfig, NAMESPACE_ONLY_NAMESPACE, NAME, { keepVolume: false });
  });

  it('gets a GPU offer without node access: products from the setting and the namespace, capacity said to be hidden', async () => {
    const nodes = await session.nodes.ready.then(
      () => undefined,
      (error: unknown) => error,
    );
    assert.ok(isKubeMlError(nodes) && nodes.kind === 'forbidden', 'the user may not list nodes');
    const offer = await gpuOffer(session, ['NVIDIA-L4']);
    assert.equal(offer.kind, 'hidden');
    assert.ok(offer.products.includes('NVIDIA-L4'), offer.products.join(', '));
  });

  it('creates a dev pod with a GPU of any product in its namespace, and it runs', async () => {
    const spec: DevPodSpec = {
      name: NAME,
      namespace: NAMESPACE_ONLY_NAMESPACE,
      gpu: { count: 1 },
      image: 'pytorch/pytorch:2.4.1-cuda12.4-cudnn9-runtime',
      imagePreset: 'pytorch',
      ...defaultResourcesFor(1),
      workspace: { size: '1Gi' },
      idleMinutes: 60,
      restrictedPodSecurity: true,
    };
    const started = await createDevPod(kubeConfig, spec);
    assert.ok(started.node, 'scheduled on a node');
    const pod = await kubeConfig
      .makeApiClient(CoreV1Api)
      .readNamespacedPod({ namespace: NAMESPACE_ONLY_NAMESPACE, name: NAME });
    assert.equal(pod.status?.phase, 'Running');
  });
});
