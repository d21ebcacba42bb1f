import * as assert from 'node:assert/strict';
import type { NodeFreeGpus } from '../../../../src/cluster/gpu/freeGpus';
import { gpuShortfall, lacksGpus } from '../../../../src/cluster/gpu/shortfall';

const H100 = 'NVIDIA-H100-80GB-HBM3';
const A100 = 'NVIDIA-A100-SXM4-40GB';

function gpus(
  node: string,
  product: string,
  allocatable: number,
  free: number,
  acceptsNewGpuPods = true,
): NodeFreeGpus {
  return {
    node,
    product,
    allocatable,
    requested: allocatable - free,
    free: acceptsNewGpuPods ? free : 0,
    acceptsNewGpuPods,
  };
}

const nodes = [
  gpus('h100-a', H100, 8, 2),
  gpus('h100-b', H100, 8, 4),
  gpus('h100-cordoned', H100, 16, 16, false),
  gpus('a100-a', A100, 4, 4),
];

describe('GPU shortfall', () => {
  it('fits on the node with the most free GPUs of the product', () => {
    assert.deepEqual(gpuShortfall(nodes, 4, H100), { kind: 'fits', node: nodes[1] });
    assert.deepEqual(
      gpuShortfall(nodes, 4, undefined),
      { kind: 'fits', node: nodes[3] },
      'ties go to the first node by name',
    );
  });

  it('tells a busy cluster from a request no node can ever hold', () => {
    assert.deepEqual(gpuShortfall(nodes, 6, H100), { kind: 'busy', mostFree: nodes[1] });
    assert.deepEqual(
      gpuShortfall(nodes, 9, H100),
      { kind: 'neverFits', largestNode: 8 },
      'the cordoned 16-GPU node takes no new pods',
    );
    assert.deepEqual(gpuShortfall(nodes, 1, 'Tesla-T4'), { kind: 'noSuchProduct' });
    assert.deepEqual(gpuShortfall([nodes[2]], 1, H100), { kind: 'noSuchProduct' });
  });

  it('reads a GPU shortage from the scheduler message', () => {
    assert.equal(
      lacksGpus(
        '0/5 nodes are available: 4 Insufficient nvidia.com/gpu, 1 node(s) had untolerated taint.',
      ),
      true,
    );
    assert.equal(lacksGpus('0/5 nodes are available: 5 Insufficient cpu.'), false);
  });
});
