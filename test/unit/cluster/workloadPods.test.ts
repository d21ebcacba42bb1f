import * as assert from 'node:assert/strict';
import type { V1Pod } from '@kubernetes/client-node';
import { podSpecGpus } from '../../../src/cluster/gpu/requests';
import { gpuContainerOf, matchesSelector } from '../../../src/cluster/workloadPods';
import { containerChoices } from '../../../src/logs/logSession';

const pod: V1Pod = {
  metadata: { name: 'trainer-0', labels: { app: 'train', run: 'r1' } },
  spec: {
    initContainers: [{ name: 'fetch-data' }],
    containers: [
      { name: 'sidecar' },
      { name: 'trainer', resources: { limits: { 'nvidia.com/gpu': '4' } } },
    ],
  },
  status: {
    containerStatuses: [
      { name: 'trainer', restartCount: 2, ready: true, image: '', imageID: '' },
      { name: 'sidecar', restartCount: 0, ready: true, image: '', imageID: '' },
    ],
  },
};

describe('workload pods', () => {
  it('matches equality selectors', () => {
    assert.ok(matchesSelector('app=train,run==r1', pod.metadata?.labels));
    assert.ok(!matchesSelector('app=train,run!=r1', pod.metadata?.labels));
    assert.ok(matchesSelector('run', pod.metadata?.labels));
    assert.ok(!matchesSelector('app=serve', pod.metadata?.labels));
  });
  it('counts GPUs and picks the GPU container for nvidia-smi', () => {
    assert.equal(podSpecGpus(pod.spec), 4);
    assert.equal(gpuContainerOf(pod), 'trainer');
    assert.equal(gpuContainerOf(pod, 'sidecar'), 'sidecar');
  });
  it('offers init containers first and marks those with a previous instance', () => {
    assert.deepEqual(containerChoices([pod]), [
      { name: 'fetch-data', kind: 'init', hasPrevious: false },
      { name: 'sidecar', kind: 'main', hasPrevious: false },
      { name: 'trainer', kind: 'main', hasPrevious: true },
    ]);
  });
});
