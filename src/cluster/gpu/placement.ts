import type { V1PodSpec, V1Toleration } from '@kubernetes/client-node';
import { NVIDIA_GPU, NVIDIA_GPU_PRODUCT_LABEL } from './resources';

/**
 * How a pod we create gets NVIDIA GPUs, in one place for dev pods, training jobs and serving:
 * the extended resource the device plugin advertises, the taint GPU nodes carry (by convention
 * keyed by that same resource name) and the node label GPU feature discovery sets to the model.
 */

/** What lets our GPU pods onto GPU nodes: the taint GPU nodes carry, by convention keyed by the resource. */
export const GPU_TOLERATIONS: readonly V1Toleration[] = [
  { key: NVIDIA_GPU, operator: 'Exists', effect: 'NoSchedule' },
];

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
      tolerations: GPU_TOLERATIONS.map((toleration) => ({ ...toleration })),
      ...(product ? { nodeSelector: { [NVIDIA_GPU_PRODUCT_LABEL]: product } } : {}),
    },
  };
}
