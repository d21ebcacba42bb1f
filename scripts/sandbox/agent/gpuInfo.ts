// What the fake nvidia-smi needs to know about a container: how many GPUs it requested and which
// model the node carries (from the labels the GPU operator puts on real nodes).
import type * as k8s from '@kubernetes/client-node';

const DISPLAY_NAMES: Record<string, string> = {
  'NVIDIA-H100-80GB-HBM3': 'NVIDIA H100 80GB HBM3',
  'NVIDIA-A100-SXM4-40GB': 'NVIDIA A100-SXM4-40GB',
};

export function requestedGpus(container: k8s.V1Container): number {
  const value =
    container.resources?.limits?.['nvidia.com/gpu'] ??
    container.resources?.requests?.['nvidia.com/gpu'] ??
    '0';
  const count = Number(value);
  return Number.isFinite(count) && count > 0 ? Math.floor(count) : 0;
}

export interface GpuModelInfo {
  name: string;
  memoryMiB: number;
}

export function gpuModelOf(node: k8s.V1Node | undefined): GpuModelInfo {
  const product = node?.metadata?.labels?.['nvidia.com/gpu.product'] ?? 'NVIDIA-H100-80GB-HBM3';
  const memory = Number(node?.metadata?.labels?.['nvidia.com/gpu.memory'] ?? '81559');
  return {
    name: DISPLAY_NAMES[product] ?? product.replace(/-/g, ' '),
    memoryMiB: Number.isFinite(memory) ? memory : 81559,
  };
}
