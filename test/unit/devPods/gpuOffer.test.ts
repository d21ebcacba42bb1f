import * as assert from 'node:assert/strict';
import type { V1Pod, V1ResourceQuota } from '@kubernetes/client-node';
import { productsNamedBy, quotaRoom } from '../../../src/devPods/gpuOffer';

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

  it('takes the room of the tightest GPU quota, requests or limits, and nothing when no quota limits GPUs', () => {
    const quota = (hard: Record<string, string>, used: Record<string, string>): V1ResourceQuota => ({ spec: { hard }, status: { hard, used } });
    assert.equal(quotaRoom([quota({ 'requests.nvidia.com/gpu': '8' }, { 'requests.nvidia.com/gpu': '3' }), quota({ 'limits.nvidia.com/gpu': '4' }, { 'limits.nvidia.com/gpu': '2' })]), 2);
    assert.equal(quotaRoom([quota({ 'requests.nvidia.com/gpu': '2' }, { 'requests.nvidia.com/gpu': '5' })]), 0, 'an over-used quota leaves no room, not a negative one');
    assert.equal(quotaRoom([quota({ 'requests.cpu': '16' }, {})]), undefined);
    assert.equal(quotaRoom([{ spec: { hard: { 'requests.nvidia.com/gpu': '4' } } }]), 4, 'status not filled yet: nothing used');
  });
});
