import type { V1Container, V1PodSpec } from '@kubernetes/client-node';

/**
 * How a pod we create gets NVIDIA GPUs, in one place for dev pods, training jobs and serving:
 * the extended resource the device plugin advertises, the taint GPU nodes carry (by convention
 * keyed by that same resource name) and the node label GPU feature discovery sets to the model.
 */
export const NVIDIA_GPU = 'nvidia.com/gpu';
export const NVIDIA_GPU_PRODUCT_LABEL = 'nvidia.com/gpu.product';

export interface GpuPlacement {
  /**
   * The GPU amount for both the container's requests and its limits: extended resources cannot
   * be overcommitted, so the two must be equal.
   */
  readonly resources: Record<string, string>;
  /** Pod spec fields that let the pod onto GPU nodes and, when a product is named, only onto those. */
  readonly scheduling: Required<Pick<V1PodSpec, 'tolerations'>> & Pick<V1PodSpec, 'nodeSelector'>;
}

/**
 * The placement of a pod that needs `count` GPUs, of `product` when given (any model otherwise).
 * Undefined for a CPU-only pod: it asks for nothing and stays off GPU nodes.
 */
export function gpuPlacement(count: number, product?: string): GpuPlacement | undefined {
  if (count <= 0) return undefined;
  return {
    resources: { [NVIDIA_GPU]: String(count) },
    scheduling: {
      tolerations: [{ key: NVIDIA_GPU, operator: 'Exists', effect: 'NoSchedule' }],
      ...(product ? { nodeSelector: { [NVIDIA_GPU_PRODUCT_LABEL]: product } } : {}),
    },
  };
}

/** NVIDIA GPUs one container asks for (limits, as the device plugin requires; requests if only those are set). */
export function containerGpus(container: V1Container): number {
  return Number(container.resources?.limits?.[NVIDIA_GPU] ?? container.resources?.requests?.[NVIDIA_GPU] ?? 0);
}

/** NVIDIA GPUs a pod's app containers ask for together. */
export function containersGpus(containers: readonly V1Container[] | undefined): number {
  return (containers ?? []).reduce((sum, container) => sum + containerGpus(container), 0);
}
