import type { NodeFreeGpus } from './freeGpus';

/** Why a pod asking for GPUs does or does not find room, from the free GPUs of the cluster's nodes. */
export type GpuShortfall =
  /** No node that takes new GPU pods has the product (or any GPU). */
  | { readonly kind: 'noSuchProduct' }
  /** Even an empty node has fewer: the request can never fit. */
  | { readonly kind: 'neverFits'; readonly largestNode: number }
  /** It would fit, but GPUs are held: `mostFree` is the node with the most free now. */
  | { readonly kind: 'busy'; readonly mostFree: NodeFreeGpus }
  | { readonly kind: 'fits'; readonly node: NodeFreeGpus };

/** Where `count` GPUs of `product` (any product when undefined) stand; a pod cannot span nodes. */
export function gpuShortfall(
  nodes: readonly NodeFreeGpus[],
  count: number,
  product?: string,
): GpuShortfall {
  const candidates = nodes
    .filter((node) => node.acceptsNewGpuPods && (product === undefined || node.product === product))
    .sort((a, b) => b.free - a.free || a.node.localeCompare(b.node));
  const best = candidates[0];
  if (!best) return { kind: 'noSuchProduct' };
  const largestNode = Math.max(...candidates.map((node) => node.allocatable));
  if (largestNode < count) return { kind: 'neverFits', largestNode };
  return best.free >= count ? { kind: 'fits', node: best } : { kind: 'busy', mostFree: best };
}

/** Whether a scheduler message ("0/5 nodes are available: 4 Insufficient nvidia.com/gpu, ...") says GPUs are short. */
export function lacksGpus(schedulerMessage: string): boolean {
  return /Insufficient nvidia\.com\/gpu/i.test(schedulerMessage);
}
