import type { EndpointSpec } from '../../../src/serving/model/spec';

export function vllmSpec(overrides: Partial<EndpointSpec> = {}): EndpointSpec {
  return {
    name: 'llama',
    namespace: 'ml-team',
    runtime: 'vllm',
    model: { claimName: 'llama-model', path: 'models/llama', readOnly: true },
    gpus: 1,
    gpuProduct: 'NVIDIA-H100-80GB-HBM3',
    cpu: '4',
    memory: '32Gi',
    restrictedPodSecurity: true,
    scaling: { minReplicas: 1, maxReplicas: 3, targetCpuUtilization: 70 },
    exposure: { kind: 'cluster' },
    ...overrides,
  };
}
