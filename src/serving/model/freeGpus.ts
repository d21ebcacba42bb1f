import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { freeGpusByProduct } from '../../cluster/gpu/freeGpus';
import { UNKNOWN_GPU } from '../../cluster/gpu/resources';
import type { FreeGpus } from './rollout';

/** Free GPUs per product as Deploy Model words them (unlabelled GPUs are just "GPU"). */
export function deployableGpus(nodes: readonly V1Node[], pods: readonly V1Pod[]): FreeGpus {
  return new Map(
    freeGpusByProduct(nodes, pods).map((product) => [
      product.product === UNKNOWN_GPU ? 'GPU' : product.product,
      { free: product.free, largestOnOneNode: product.maxFreeOnOneNode },
    ]),
  );
}
