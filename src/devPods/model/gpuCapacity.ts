/** How dev pods word and choose from the cluster's free GPUs (freeGpusByProduct). */
import type { ProductFreeGpus } from '../../cluster/gpu/freeGpus';
import { UNKNOWN_GPU } from '../../cluster/gpu/resources';
import { gpuShortfall } from '../../cluster/gpu/shortfall';

/**
 * The product a choice may select nodes by: GPUs on nodes without GPU feature discovery labels
 * have none, so choosing them must not become a selector on a label no node carries.
 */
export function selectableProduct(product: string): string | undefined {
  return product === UNKNOWN_GPU ? undefined : product;
}

/** The default choice of the create flow: one GPU of the product with the most room on one node. */
export function defaultGpuChoice(
  products: readonly ProductFreeGpus[],
): { product: string; count: number } | undefined {
  const best = products.find((product) => product.maxFreeOnOneNode > 0);
  return best ? { product: best.product, count: 1 } : undefined;
}

/** Counts the flow offers for a product: 1 up to what fits on one node. */
export function gpuCountChoices(product: ProductFreeGpus): number[] {
  return Array.from({ length: product.maxFreeOnOneNode }, (_, index) => index + 1);
}

/** "NVIDIA-H100-80GB-HBM3: 8 free (8 on h100-a), NVIDIA-A100-SXM4-40GB: 2 free (1 on a100-a, 1 on a100-b)". */
export function describeFreeGpus(products: readonly ProductFreeGpus[]): string {
  const withFree = products.filter((product) => product.free > 0);
  if (withFree.length === 0) {
    return products.length === 0 ? 'the cluster has no GPU nodes' : 'none (every GPU is in use)';
  }
  return withFree
    .map((product) => {
      const nodes = product.nodes
        .filter((node) => node.free > 0)
        .map((node) => `${node.free} on ${node.node}`);
      return `${product.product}: ${product.free} of ${product.total} free (${nodes.join(', ')})`;
    })
    .join('; ');
}

/** Whether a request for `count` GPUs of `product` (any product when undefined) fits on some node now. */
export function fitsSomewhere(
  products: readonly ProductFreeGpus[],
  count: number,
  product?: string,
): boolean {
  return (
    gpuShortfall(
      products.flatMap((candidate) => candidate.nodes),
      count,
      product,
    ).kind === 'fits'
  );
}

/** The sentence shown when the scheduler cannot place a dev pod for lack of GPUs. */
export function explainNoGpuCapacity(
  count: number,
  product: string | undefined,
  products: readonly ProductFreeGpus[] | undefined,
): string {
  const what = product ? `${product} ` : '';
  const where = products
    ? describeFreeGpus(products)
    : 'unknown (you may not list pods in every namespace)';
  return `no node with ${count} free ${what}GPUs; free GPUs are: ${where}`;
}
