import type { V1Node, V1Taint, V1Toleration } from '@kubernetes/client-node';
import { GPU_TOLERATIONS } from './placement';
import { parseQuantity } from './quantity';
import { AMD_GPU, isGpuResource, NVIDIA_GPU, productOfLabels } from './resources';

/** One GPU resource a node advertises. */
export interface GpuResourceCapacity {
  readonly total: number;
  readonly allocatable: number;
  readonly product: string;
}

/** A node's GPU resources with their capacity, allocatable amount and product; empty on a CPU node. */
export function nodeGpuCapacity(node: V1Node): ReadonlyMap<string, GpuResourceCapacity> {
  const labels = node.metadata?.labels ?? {};
  const capacity = new Map<string, GpuResourceCapacity>();
  const capacityByResource = node.status?.capacity ?? {};
  const allocatableByResource = node.status?.allocatable ?? {};
  for (const resource of new Set([
    ...Object.keys(capacityByResource),
    ...Object.keys(allocatableByResource),
  ])) {
    if (!isGpuResource(resource)) continue;
    const total = parseQuantity(capacityByResource[resource]);
    const allocatable = parseQuantity(allocatableByResource[resource]);
    if (total > 0 || allocatable > 0)
      capacity.set(resource, { total, allocatable, product: productOfLabels(labels, resource) });
  }
  return capacity;
}

export function isNodeReady(node: V1Node): boolean {
  return (node.status?.conditions ?? []).some(
    (condition) => condition.type === 'Ready' && condition.status === 'True',
  );
}

function tolerates(toleration: V1Toleration, taint: V1Taint): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  if (toleration.operator === 'Exists') return !toleration.key || toleration.key === taint.key;
  return toleration.key === taint.key && (toleration.value ?? '') === (taint.value ?? '');
}

/** A NoSchedule or NoExecute taint that keeps a pod with these tolerations off the node. */
export function repels(taint: V1Taint, tolerations: readonly V1Toleration[]): boolean {
  return (
    (taint.effect === 'NoSchedule' || taint.effect === 'NoExecute') &&
    !tolerations.some((toleration) => tolerates(toleration, taint))
  );
}

/** AMD GPU nodes carry the same convention under AMD's resource name. */
const AMD_TOLERATIONS: readonly V1Toleration[] = GPU_TOLERATIONS.map((toleration) => ({
  ...toleration,
  key: AMD_GPU,
}));

/**
 * Whether a new pod asking for `resource` (with the GPU toleration of gpuPlacement, or AMD's
 * counterpart) can land on the node: Ready, not cordoned and without a NoSchedule/NoExecute taint
 * that toleration does not cover. Free GPUs elsewhere cannot be had by a new pod, so every "free
 * GPUs" answer counts only these nodes. MIG slices go with nvidia.com/gpu's taint.
 */
export function acceptsNewGpuPods(node: V1Node, resource = NVIDIA_GPU): boolean {
  const tolerations = resource === AMD_GPU ? AMD_TOLERATIONS : GPU_TOLERATIONS;
  return (
    isNodeReady(node) &&
    node.spec?.unschedulable !== true &&
    !(node.spec?.taints ?? []).some((taint) => repels(taint, tolerations))
  );
}
