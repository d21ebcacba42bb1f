import * as assert from 'node:assert/strict';
import type { V1Pod } from '@kubernetes/client-node';
import { productsNamedBy } from '../../../src/devPods/gpuOffer';

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
                {
                  matchExpressions: [
                    {
                      key: PRODUCT,
                      operator: 'In',
                      values: ['NVIDIA-H100-80GB-HBM3', 'NVIDIA-A100-SXM4-80GB'],
                    },
                  ],
                },
                {
                  matchExpressions: [
                    { key: PRODUCT, operator: 'NotIn', values: ['Tesla-T4'] },
                    { key: 'zone', operator: 'In', values: ['a'] },
                  ],
                },
              ],
            },
          },
        },
      },
    };
    assert.deepEqual(productsNamedBy(pod), ['NVIDIA-A100-SXM4-80GB', 'NVIDIA-H100-80GB-HBM3']);
    assert.deepEqual(productsNamedBy({ spec: { containers: [] } }), []);
  });
});
