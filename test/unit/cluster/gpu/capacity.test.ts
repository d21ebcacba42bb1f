import * as assert from 'node:assert/strict';
import type { V1Node } from '@kubernetes/client-node';
import { acceptsNewGpuPods, nodeGpuCapacity, repels } from '../../../../src/cluster/gpu/capacity';

function node(spec: V1Node['spec'], ready = true): V1Node {
  return {
    metadata: { name: 'n', labels: { 'nvidia.com/gpu.product': 'NVIDIA-A100-SXM4-40GB' } },
    spec,
    status: {
      capacity: { 'nvidia.com/gpu': '8', 'nvidia.com/mig-1g.5gb': '7', cpu: '64' },
      allocatable: { 'nvidia.com/gpu': '7', 'nvidia.com/mig-1g.5gb': '7', cpu: '64' },
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'Unknown' }],
    },
  };
}

describe('node GPU capacity', () => {
  it('lists GPU resources with their product, MIG slices named by profile', () => {
    assert.deepEqual(
      [...nodeGpuCapacity(node({}))],
      [
        ['nvidia.com/gpu', { total: 8, allocatable: 7, product: 'NVIDIA-A100-SXM4-40GB' }],
        [
          'nvidia.com/mig-1g.5gb',
          { total: 7, allocatable: 7, product: 'NVIDIA-A100-SXM4-40GB MIG 1g.5gb' },
        ],
      ],
    );
  });

  it('takes new GPU pods only when Ready, uncordoned and without a taint they do not tolerate', () => {
    assert.equal(
      acceptsNewGpuPods(
        node({
          taints: [
            { key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' },
            { key: 'spot', effect: 'PreferNoSchedule' },
          ],
        }),
      ),
      true,
    );
    assert.equal(acceptsNewGpuPods(node({}, false)), false, 'NotReady');
    assert.equal(acceptsNewGpuPods(node({ unschedulable: true })), false, 'cordoned');
    assert.equal(
      acceptsNewGpuPods(
        node({ taints: [{ key: 'dedicated', value: 'team-a', effect: 'NoSchedule' }] }),
      ),
      false,
      "another team's taint",
    );
    assert.equal(
      acceptsNewGpuPods(node({ taints: [{ key: 'nvidia.com/gpu', effect: 'NoExecute' }] })),
      false,
      'the GPU toleration covers NoSchedule only',
    );
    const amdTaint = { key: 'amd.com/gpu', effect: 'NoSchedule' };
    assert.equal(
      acceptsNewGpuPods(node({ taints: [amdTaint] }), 'amd.com/gpu'),
      true,
      'a pod asking for AMD GPUs tolerates the AMD taint',
    );
    assert.equal(
      acceptsNewGpuPods(node({ taints: [amdTaint] })),
      false,
      'ours, asking for nvidia.com/gpu, does not',
    );
  });

  it('matches tolerations as the scheduler does', () => {
    const taint = { key: 'dedicated', value: 'team-a', effect: 'NoSchedule' };
    assert.equal(repels(taint, [{ key: 'dedicated', operator: 'Equal', value: 'team-a' }]), false);
    assert.equal(repels(taint, [{ key: 'dedicated', operator: 'Equal', value: 'team-b' }]), true);
    assert.equal(
      repels(taint, [{ operator: 'Exists' }]),
      false,
      'an empty key with Exists tolerates everything',
    );
    assert.equal(
      repels(taint, [{ key: 'dedicated', operator: 'Exists', effect: 'NoExecute' }]),
      true,
    );
    assert.equal(repels({ key: 'dedicated', effect: 'PreferNoSchedule' }, []), false);
  });
});
