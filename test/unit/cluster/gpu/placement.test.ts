import * as assert from 'node:assert/strict';
import { gpuPlacement } from '../../../../src/cluster/gpu/placement';
import { NVIDIA_GPU, NVIDIA_GPU_PRODUCT_LABEL } from '../../../../src/cluster/gpu/resources';

describe('gpuPlacement', () => {
  it('names the resource and node label the NVIDIA device plugin and GPU feature discovery use', () => {
    assert.equal(NVIDIA_GPU, 'nvidia.com/gpu');
    assert.equal(NVIDIA_GPU_PRODUCT_LABEL, 'nvidia.com/gpu.product');
  });

  it('asks for the GPUs, tolerates the GPU taint and pins the product', () => {
    assert.deepEqual(gpuPlacement(4, 'NVIDIA-H100-80GB-HBM3'), {
      resources: { 'nvidia.com/gpu': '4' },
      scheduling: {
        tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
        nodeSelector: { 'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3' },
      },
    });
  });

  it('sets no node selector when any product will do', () => {
    const placement = gpuPlacement(1);
    assert.deepEqual(placement?.resources, { 'nvidia.com/gpu': '1' });
    assert.deepEqual(placement?.scheduling.tolerations, [
      { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' },
    ]);
    assert.equal(
      'nodeSelector' in (placement?.scheduling ?? {}),
      false,
      'no nodeSelector key, not even an undefined one',
    );
    assert.equal(
      'nodeSelector' in (gpuPlacement(1, '')?.scheduling ?? {}),
      false,
      'an empty product means any product',
    );
  });

  it('places a CPU-only pod nowhere in particular, even when a product is named', () => {
    assert.equal(gpuPlacement(0), undefined);
    assert.equal(gpuPlacement(0, 'NVIDIA-A100-SXM4-40GB'), undefined);
    assert.equal(gpuPlacement(-1), undefined);
  });

  it('returns fresh objects, so one manifest cannot change another', () => {
    const first = gpuPlacement(2, 'NVIDIA-A100-SXM4-40GB')!;
    const second = gpuPlacement(2, 'NVIDIA-A100-SXM4-40GB')!;
    first.resources[NVIDIA_GPU] = '8';
    first.scheduling.tolerations.push({ key: 'other', operator: 'Exists' });
    first.scheduling.nodeSelector![NVIDIA_GPU_PRODUCT_LABEL] = 'changed';
    assert.deepEqual(second, gpuPlacement(2, 'NVIDIA-A100-SXM4-40GB'));
    assert.equal(second.resources[NVIDIA_GPU], '2');
  });
});
