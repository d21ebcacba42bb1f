import * as assert from 'node:assert/strict';
import type * as k8s from '@kubernetes/client-node';
import { whyNotFit } from '../../../scripts/sandbox/agent/autoscaler/templateFit';
import { fakeNode, L4 } from '../../../scripts/sandbox/fixtures';

const template = fakeNode('l4-autoscaled-0', L4, 'l4-autoscaled');
const gpuToleration: k8s.V1Toleration = {
  key: 'nvidia.com/gpu',
  operator: 'Exists',
  effect: 'NoSchedule',
};

function pod(spec: Partial<k8s.V1PodSpec>, gpus = 1): k8s.V1Pod {
  return {
    metadata: { name: 'p' },
    spec: {
      containers: [
        {
          name: 'c',
          resources: {
            requests: { cpu: '500m', memory: '8Gi' },
            limits: { 'nvidia.com/gpu': String(gpus) },
          },
        },
      ],
      ...spec,
    },
  };
}

describe('sandbox autoscaler: does a pod fit a node group template', () => {
  it('fits a GPU pod that selects the product and tolerates the taint', () => {
    assert.equal(
      whyNotFit(
        pod({
          nodeSelector: { 'nvidia.com/gpu.product': 'NVIDIA-L4' },
          tolerations: [gpuToleration],
        }),
        template,
      ),
      undefined,
    );
  });
  it("names a selector that does not match, in Cluster Autoscaler's words", () => {
    assert.equal(
      whyNotFit(
        pod({
          nodeSelector: { 'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3' },
          tolerations: [gpuToleration],
        }),
        template,
      ),
      "node(s) didn't match Pod's node affinity/selector",
    );
  });
  it('reads required node affinity: In, NotIn, Exists, DoesNotExist', () => {
    const affinity = (expressions: k8s.V1NodeSelectorRequirement[]): Partial<k8s.V1PodSpec> => ({
      tolerations: [gpuToleration],
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchExpressions: expressions }],
          },
        },
      },
    });
    assert.equal(
      whyNotFit(
        pod(
          affinity([
            { key: 'nvidia.com/gpu.product', operator: 'In', values: ['NVIDIA-L4', 'NVIDIA-A10G'] },
          ]),
        ),
        template,
      ),
      undefined,
    );
    assert.notEqual(
      whyNotFit(
        pod(
          affinity([{ key: 'nvidia.com/gpu.product', operator: 'NotIn', values: ['NVIDIA-L4'] }]),
        ),
        template,
      ),
      undefined,
    );
    assert.equal(
      whyNotFit(pod(affinity([{ key: 'nvidia.com/gpu.present', operator: 'Exists' }])), template),
      undefined,
    );
    assert.notEqual(
      whyNotFit(
        pod(affinity([{ key: 'nvidia.com/gpu.present', operator: 'DoesNotExist' }])),
        template,
      ),
      undefined,
    );
  });
  it('names the untolerated taint', () => {
    assert.equal(
      whyNotFit(pod({}), template),
      'node(s) had untolerated taint {nvidia.com/gpu: present}',
    );
  });
  it('names the resource a new node would not have enough of', () => {
    assert.equal(
      whyNotFit(pod({ tolerations: [gpuToleration] }, 8), template),
      'Insufficient nvidia.com/gpu',
    );
    const hungry: k8s.V1Pod = {
      metadata: { name: 'p' },
      spec: {
        tolerations: [gpuToleration],
        containers: [{ name: 'c', resources: { requests: { memory: '4Ti' } } }],
      },
    };
    assert.equal(whyNotFit(hungry, template), 'Insufficient memory');
  });
});
