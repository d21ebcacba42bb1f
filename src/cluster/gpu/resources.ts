/**
 * The GPU resources device plugins advertise and the node labels that name the product: the
 * NVIDIA device plugin's nvidia.com/gpu (whole GPUs, or MIG slices under the "single" strategy,
 * whose product label then names the slice), its nvidia.com/mig-<profile> slices under the
 * "mixed" strategy, and AMD's amd.com/gpu.
 */
export const NVIDIA_GPU = 'nvidia.com/gpu';
export const NVIDIA_GPU_PRODUCT_LABEL = 'nvidia.com/gpu.product';
export const AMD_GPU = 'amd.com/gpu';
export const MIG_PREFIX = 'nvidia.com/mig-';
/** The product of GPUs on a node without GPU feature discovery labels. */
export const UNKNOWN_GPU = 'unknown GPU';

export function isGpuResource(resource: string): boolean {
  return resource === NVIDIA_GPU || resource === AMD_GPU || resource.startsWith(MIG_PREFIX);
}

/** The product a GPU resource of a node with these labels is, from the labels GPU operators set. */
export function productOfLabels(
  labels: Readonly<Record<string, string>>,
  resource: string,
): string {
  if (resource === AMD_GPU) {
    return (
      labels['amd.com/gpu.product-name'] || labels['beta.amd.com/gpu.product-name'] || UNKNOWN_GPU
    );
  }
  const base = labels[NVIDIA_GPU_PRODUCT_LABEL] || UNKNOWN_GPU;
  if (resource.startsWith(MIG_PREFIX)) {
    return `${base} MIG ${resource.slice(MIG_PREFIX.length)}`;
  }
  return base;
}
