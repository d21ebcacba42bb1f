import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { freeGpusByProduct, type NodeFreeGpus } from '../../cluster/gpu/freeGpus';
import { UNKNOWN_GPU } from '../../cluster/gpu/resources';
import { gpuShortfall } from '../../cluster/gpu/shortfall';

/** GPU nodes a new worker can land on, most free first. */
export function freeGpusByNode(nodes: readonly V1Node[], pods: readonly V1Pod[]): NodeFreeGpus[] {
  return freeGpusByProduct(nodes, pods)
    .flatMap((product) => product.nodes.filter((node) => node.acceptsNewGpuPods))
    .sort((a, b) => b.free - a.free || a.node.localeCompare(b.node));
}

function whereFree(capacity: readonly NodeFreeGpus[]): string {
  const free = capacity.filter((node) => node.free > 0);
  if (free.length === 0) return 'no GPU is free anywhere right now';
  return `free now: ${free.map((node) => `${node.free} ${node.product === UNKNOWN_GPU ? 'GPU' : node.product} on ${node.node}`).join(', ')}`;
}

/**
 * Why a worker asking for `gpus` GPUs (of `product`, if pinned) cannot be placed, in words a user
 * can act on; falls back to the scheduler's own message when GPUs are not the problem.
 */
export function explainUnschedulable(
  gpus: number,
  product: string | undefined,
  capacity: readonly NodeFreeGpus[],
  schedulerMessage: string | undefined,
): string {
  const scheduler = schedulerMessage ? ` Scheduler: ${schedulerMessage}` : '';
  if (gpus <= 0) {
    return `No node can take the worker.${scheduler}`;
  }
  const kind = product ? `${product} ` : '';
  const shortfall = gpuShortfall(capacity, gpus, product);
  switch (shortfall.kind) {
    case 'noSuchProduct':
      return `No node has ${kind}GPUs (${whereFree(capacity)}).${scheduler}`;
    case 'neverFits':
      return `No node with ${gpus} free ${kind}GPUs: the largest ${kind}node has only ${shortfall.largestNode} in all, so the worker can never fit. Use at most ${shortfall.largestNode} GPUs per worker and more workers instead (${whereFree(capacity)}).${scheduler}`;
    case 'busy':
      return `No node with ${gpus} free ${kind}GPUs: the most free is ${shortfall.mostFree.free} on ${shortfall.mostFree.node} (${whereFree(capacity)}). The run waits until GPUs are released.${scheduler}`;
    case 'fits':
      return `The worker fits by GPU count (${shortfall.node.free} free on ${shortfall.node.node}) but the scheduler refused it.${scheduler}`;
  }
}
