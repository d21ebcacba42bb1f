import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { defaultJobSpec, type JobSpec } from '../../../src/jobs/model/jobSpec';

export function spec(overrides: Partial<JobSpec> = {}): JobSpec {
  return defaultJobSpec({
    name: 'train-a',
    image: 'pytorch/pytorch:2.4.0',
    command: ['python', 'train.py'],
    args: ['--epochs', '3'],
    ...overrides,
  });
}

export function gpuNode(name: string, product: string, gpus: number): V1Node {
  return {
    metadata: { name, labels: { 'nvidia.com/gpu.product': product } },
    status: {
      allocatable: { 'nvidia.com/gpu': String(gpus), cpu: '64' },
      conditions: [{ type: 'Ready', status: 'True' }],
    },
  };
}

export function gpuPod(
  name: string,
  node: string | undefined,
  gpus: number,
  phase = 'Running',
  labels: Record<string, string> = {},
): V1Pod {
  return {
    metadata: { name, labels },
    spec: {
      nodeName: node,
      containers: [{ name: 'c', resources: { limits: { 'nvidia.com/gpu': String(gpus) } } }],
    },
    status: { phase },
  };
}
