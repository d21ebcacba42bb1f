import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { GpuAccounting, podGpuRequests, UNKNOWN_GPU } from '../../cluster/gpuAccounting';
import { NVIDIA_GPU } from '../../cluster/gpuPlacement';

/** GPUs of one node: what it offers and what running or scheduled pods hold. */
export interface NodeGpus {
  readonly node: string;
  readonly product: string;
  readonly allocatable: number;
  readonly used: number;
  /** 0 when the node is cordoned or not Ready: nothing new can land there. */
  readonly free: number;
}

/** One GPU product across the cluster, as the create flow offers it. */
export interface ProductGpus {
  readonly product: string;
  readonly total: number;
  readonly free: number;
  /** The largest request that can fit today: a pod cannot span nodes. */
  readonly maxFreeOnOneNode: number;
  readonly nodes: readonly NodeGpus[];
}

/**
 * The product a choice may select nodes by: GPUs on nodes without GPU feature discovery labels
 * have none, so choosing them must not become a selector on a label no node carries.
 */
export function selectableProduct(product: string): string | undefined {
  return product === UNKNOWN_GPU ? undefined : product;
}

/** GPUs a pod holds (nvidia.com/gpu), as the scheduler counts them (the foundation's accounting). */
export function gpusOfPod(pod: V1Pod): number {
  return podGpuRequests(pod).get(NVIDIA_GPU) ?? 0;
}

/** Per product and node, from the foundation's GpuAccounting; free is 0 on NotReady or cordoned nodes. */
export function productGpusFromAccounting(accounting: GpuAccounting): ProductGpus[] {
  return accounting
    .products()
    .map((summary) => {
      const nodes: NodeGpus[] = accounting.nodesOfProduct(summary.product).map((node) => ({
        node: node.name,
        product: summary.product,
        allocatable: node.allocatable,
        used: node.requested,
        free: node.ready && !node.cordoned ? Math.max(0, node.free) : 0,
      }));
      return {
        product: summary.product,
        total: summary.allocatable,
        free: nodes.reduce((sum, node) => sum + node.free, 0),
        maxFreeOnOneNode: Math.max(0, ...nodes.map((node) => node.free)),
        nodes,
      };
    })
    .sort((a, b) => b.maxFreeOnOneNode - a.maxFreeOnOneNode || b.free - a.free || a.product.localeCompare(b.product));
}

/** Free and total GPUs per product, most room on one node first. */
export function freeGpusByProduct(nodes: readonly V1Node[], pods: readonly V1Pod[]): ProductGpus[] {
  return productGpusFromAccounting(GpuAccounting.from(nodes, pods));
}

/** The default choice of the create flow: one GPU of the product with the most room on one node. */
export function defaultGpuChoice(products: readonly ProductGpus[]): { product: string; count: number } | undefined {
  const best = products.find((product) => product.maxFreeOnOneNode > 0);
  return best ? { product: best.product, count: 1 } : undefined;
}

/** Counts the flow offers for a product: 1 up to what fits on one node. */
export function gpuCountChoices(product: ProductGpus): number[] {
  return Array.from({ length: product.maxFreeOnOneNode }, (_, index) => index + 1);
}

/** "NVIDIA-H100-80GB-HBM3: 8 free (8 on h100-a), NVIDIA-A100-SXM4-40GB: 2 free (1 on a100-a, 1 on a100-b)". */
export function describeFreeGpus(products: readonly ProductGpus[]): string {
  const withFree = products.filter((product) => product.free > 0);
  if (withFree.length === 0) {
    return products.length === 0 ? 'the cluster has no GPU nodes' : 'none (every GPU is in use)';
  }
  return withFree
    .map((product) => {
      const nodes = product.nodes.filter((node) => node.free > 0).map((node) => `${node.free} on ${node.node}`);
      return `${product.product}: ${product.free} of ${product.total} free (${nodes.join(', ')})`;
    })
    .join('; ');
}

/** Whether a request for `count` GPUs of `product` (any product when undefined) fits on some node now. */
export function fitsSomewhere(products: readonly ProductGpus[], count: number, product?: string): boolean {
  return products.some((candidate) => (product === undefined || candidate.product === product) && candidate.maxFreeOnOneNode >= count);
}

/** The sentence shown when the scheduler cannot place a dev pod for lack of GPUs. */
export function explainNoGpuCapacity(count: number, product: string | undefined, products: readonly ProductGpus[] | undefined): string {
  const what = product ? `${product} ` : '';
  const where = products ? describeFreeGpus(products) : 'unknown (you may not list pods in every namespace)';
  return `no node with ${count} free ${what}GPUs; free GPUs are: ${where}`;
}
