import type { KubeConfig } from '@kubernetes/client-node';
import type { EndpointSpec } from '../../../src/serving/model/spec';
import { ensureModelVolume } from '../../../src/serving/modelUpload';

/** A vLLM endpoint serving from a model volume (created empty: kwok runs no images). */
export function testEndpoint(
  namespace: string,
  overrides: Partial<EndpointSpec> = {},
): EndpointSpec {
  return {
    name: 'llm',
    namespace,
    runtime: 'vllm',
    model: { claimName: 'llm-model', path: 'models/llm', readOnly: true },
    gpus: 1,
    cpu: '1',
    memory: '2Gi',
    restrictedPodSecurity: true,
    scaling: { minReplicas: 1, maxReplicas: 1, targetCpuUtilization: 70 },
    exposure: { kind: 'cluster' },
    ...overrides,
  };
}

export async function modelVolume(
  kubeConfig: KubeConfig,
  namespace: string,
  claimName = 'llm-model',
  endpointName = 'llm',
): Promise<void> {
  await ensureModelVolume(kubeConfig, { namespace, claimName, endpointName, minBytes: 1 });
}
