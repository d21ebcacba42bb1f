import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { GpuAccounting } from './accounting';
import { NVIDIA_GPU } from './resources';

/** The whole GPUs (nvidia.com/gpu) of one node that a new pod of ours could be given. */
export interface NodeFreeGpus {
  readonly node: string;
  readonly product: string;
  readonly allocatable: number;
  readonly requested: number;
  /** 0 when the node accepts no new GPU pods (acceptsNewGpuPods): nothing new can land there. */
  readonly free: number;
  readonly acceptsNewGpuPods: boolean;
}

/** One GPU product across the cluster. */
export interface ProductFreeGpus {
  readonly product: string;
  /** Allocatable GPUs of the product on every node, schedulable or not. */
  readonly total: number;
  readonly free: number;
  /** The largest request that can fit today: a pod cannot span nodes. */
  readonly maxFreeOnOneNode: number;
  /** Sorted by name. */
  readonly nodes: readonly NodeFreeGpus[];
}

/**
 * Free GPUs per product, most room on one node first, as a new pod asking for nvidia.com/gpu
 * (what dev pods, training jobs and serving ask for) can get them. MIG slices count only under the
 * "single" strategy, where the device plugin advertises them as nvidia.com/gpu and the product
 * label names the slice; "mixed" slices (nvidia.com/mig-*) and AMD GPUs cannot satisfy such a
 * request, so they are left out. Products with no node left are absent.
 */
export function freeGpusByProduct(
  nodes: Iterable<V1Node>,
  pods: Iterable<V1Pod>,
): ProductFreeGpus[] {
  const byProduct = new Map<string, NodeFreeGpus[]>();
  for (const node of GpuAccounting.from(nodes, pods).nodes()) {
    const device = node.devices.find((candidate) => candidate.resource === NVIDIA_GPU);
    if (!device || device.allocatable <= 0) continue;
    const free = device.acceptsNewPods ? device.free : 0;
    const entry = {
      node: node.name,
      product: device.product,
      allocatable: device.allocatable,
      requested: device.requested,
      free,
      acceptsNewGpuPods: device.acceptsNewPods,
    };
    const productNodes = byProduct.get(device.product) ?? [];
    productNodes.push(entry);
    byProduct.set(device.product, productNodes);
  }
  return [...byProduct.entries()]
    .map(([product, productNodes]) => ({
      product,
      total: productNodes.reduce((sum, node) => sum + node.allocatable, 0),
      free: productNodes.reduce((sum, node) => sum + node.free, 0),
      maxFreeOnOneNode: Math.max(0, ...productNodes.map((node) => node.free)),
      nodes: productNodes,
    }))
    .sort(
      (a, b) =>
        b.maxFreeOnOneNode - a.maxFreeOnOneNode ||
        b.free - a.free ||
        a.product.localeCompare(b.product),
    );
}
