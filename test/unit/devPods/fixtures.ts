import type { CoreV1Event, V1Node, V1Pod } from '@kubernetes/client-node';
import type { DevPodSpec } from '../../../src/devPods/model/spec';

export function spec(overrides: Partial<DevPodSpec> = {}): DevPodSpec {
  return {
    name: 'llm-dev',
    namespace: 'ml-team',
    gpu: { product: 'NVIDIA-H100-80GB-HBM3', count: 2 },
    image: 'pytorch/pytorch:2.4.1-cuda12.4-cudnn9-runtime',
    imagePreset: 'pytorch',
    cpu: '16',
    memory: '128Gi',
    workspace: { size: '50Gi' },
    idleMinutes: 60,
    restrictedPodSecurity: true,
    ...overrides,
  };
}

export function gpuNode(
  name: string,
  product: string,
  gpus: number,
  extra: { unschedulable?: boolean; ready?: boolean } = {},
): V1Node {
  return {
    metadata: { name, labels: { 'nvidia.com/gpu.product': product } },
    spec: { unschedulable: extra.unschedulable },
    status: {
      allocatable: { 'nvidia.com/gpu': String(gpus), cpu: '224', memory: '2Ti' },
      conditions: [{ type: 'Ready', status: extra.ready === false ? 'False' : 'True' }],
    },
  };
}

export function cpuNode(name: string): V1Node {
  return {
    metadata: { name },
    status: {
      allocatable: { cpu: '64', memory: '256Gi' },
      conditions: [{ type: 'Ready', status: 'True' }],
    },
  };
}

export function podOn(
  node: string | undefined,
  gpus: number,
  phase = 'Running',
  name = `p-${Math.random().toString(36).slice(2)}`,
): V1Pod {
  return {
    metadata: { name, namespace: 'ns' },
    spec: {
      nodeName: node,
      containers: [{ name: 'c', resources: { limits: { 'nvidia.com/gpu': String(gpus) } } }],
    },
    status: { phase },
  };
}

export function event(
  reason: string,
  message: string,
  uid = 'uid-1',
  type = 'Normal',
): CoreV1Event {
  return {
    metadata: {},
    involvedObject: { kind: 'Pod', name: 'llm-dev', uid },
    reason,
    message,
    type,
  };
}
