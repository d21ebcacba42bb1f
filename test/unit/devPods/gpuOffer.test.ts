import * as assert from 'node:assert/strict';
import type { V1Pod, V1ResourceQuota } from '@kubernetes/client-node';
import { assertWithinGpuQuota, productsNamedBy, tightestGpuQuota } from '../../../src/devPods/gpuOffer';

const PRODUCT = 'nvidia.com/gpu.product';

describe('GPU offer without node access', () => {
  it('reads the products a pod names by node selector and by required node affinity', () => {
    const pod: V1Pod = {
      spec: {
        containers: [],
        nodeSelector: { [PRODUCT]: 'NVIDIA-A100-SXM4-80GB' },
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [
                { matchExpressions: [{ key: PRODUCT, operator: 'In', values: ['NVIDIA-H100-80GB-HBM3', 'NVIDIA-A100-SXM4-80GB'] }] },
                { matchExpressions: [{ key: PRODUCT, operator: 'NotIn', values: ['Tesla-T4'] }, { key: 'zone', operator: 'In', values: ['a'] }] },
              ],
            },
          },
        },
      },
    };
    assert.deepEqual(productsNamedBy(pod), ['NVIDIA-A100-SXM4-80GB', 'NVIDIA-H100-80GB-HBM3']);
    assert.deepEqual(productsNamedBy({ spec: { containers: [] } }), []);
  });

  it('takes the tightest GPU quota, requests or limits, and none when no quota limits GPUs', () => {
    const quota = (name: string, hard: Record<string, string>, used: Record<string, string>): V1ResourceQuota => ({ metadata: { name }, spec: { hard }, status: { hard, used } });
    assert.deepEqual(tightestGpuQuota([quota('team', { 'requests.nvidia.com/gpu': '8' }, { 'requests.nvidia.com/gpu': '3' }), quota('limits', { 'limits.nvidia.com/gpu': '4' }, { 'limits.nvidia.com/gpu': '2' })]), { name: 'limits', used: 2, hard: 4, room: 2 });
    assert.equal(tightestGpuQuota([quota('over', { 'requests.nvidia.com/gpu': '2' }, { 'requests.nvidia.com/gpu': '5' })])?.room, 0, 'an over-used quota leaves no room, not a negative one');
    assert.equal(tightestGpuQuota([quota('cpu', { 'requests.cpu': '16' }, {})]), undefined);
    assert.equal(tightestGpuQuota([{ metadata: { name: 'new' }, spec: { hard: { 'requests.nvidia.com/gpu': '4' } } }])?.room, 4, 'status not filled yet: nothing used');
  });

  it('refuses a request over the quota before anything is created, naming the quota and what fits', () => {
    const quota = { name: 'gpu-quota', used: 6, hard: 8, room: 2 };
    assert.doesNotThrow(() => assertWithinGpuQuota(quota, 2, 'ml-team'));
    assert.doesNotThrow(() => assertWithinGpuQuota(undefined, 64, 'ml-team'));
    assert.throws(() => assertWithinGpuQuota(quota, 4, 'ml-team'), (error: { kind?: string; summary?: string; hint?: string }) =>
      error.kind === 'quotaExceeded' && error.summary === '4 GPUs would exceed the GPU quota gpu-quota: 6 of 8 used in namespace ml-team.' && /at most 2/.test(error.hint ?? ''));
  });
});
