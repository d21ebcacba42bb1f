import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { GpuAccounting, UNKNOWN_GPU } from '../../cluster/gpuAccounting';
import { NVIDIA_GPU } from '../../cluster/gpuPlacement';

export interface NodeGpus {
  readonly node: string;
  readonly product: string | undefined;
  readonly allocatable: number;
  readonly used: number;
  readonly free: number;
}

/** Free GPUs per schedulable GPU node, from the shared accounting (what bound, unfinished pods request). */
export function freeGpusByNode(nodes: readonly V1Node[], pods: readonly V1Pod[]): NodeGpus[] {
  return GpuAccounting.from(nodes, pods)
    .nodes()
    .filter((node) => !node.cordoned)
    .flatMap((node) => {
      const device = node.devices.find((candidate) => candidate.resource === NVIDIA_GPU);
      if (!device || device.allocatable <= 0) return [];
      const product = device.product === UNKNOWN_GPU ? undefined : device.product;
      return [{ node: node.name, product, allocatable: device.allocatable, used: device.requested, free: Math.max(0, device.allocatable - device.requested) }];
    })
    .sort((a, b) => b.free - a.free || a.node.localeCompare(b.node));
}

function whereFree(capacity: readonly NodeGpus[]): string {
  const free = capacity.filter((node) => node.free > 0);
  if (free.length === 0) return 'no GPU is free anywhere right now';
  return `free now: ${free.map((node) => `${node.free} ${node.product ?? 'GPU'} on ${node.node}`).join(', ')}`;
}

/**
 * Why a worker asking for `gpus` GPUs (of `product`, if pinned) cannot be placed, in words a user
 * can act on; falls back to the scheduler's own message when GPUs are not the problem.
 */
export function explainUnschedulable(gpus: number, product: string | undefined, capacity: readonly NodeGpus[], schedulerMessage: string | undefined): string {
  const scheduler = schedulerMessage ? ` Scheduler: ${schedulerMessage}` : '';
  if (gpus <= 0) {
    return `No node can take the worker.${scheduler}`;
  }
  const kind = product ? `${product} ` : '';
  const candidates = product ? capacity.filter((node) => node.product === product) : capacity;
  if (candidates.length === 0) {
    return `No node has ${kind}GPUs (${whereFree(capacity)}).${scheduler}`;
  }
  const largest = Math.max(...candidates.map((node) => node.allocatable));
  if (largest < gpus) {
    return `No node with ${gpus} free ${kind}GPUs: the largest ${kind}node has only ${largest} in all, so the worker can never fit. Use at most ${largest} GPUs per worker and more workers instead (${whereFree(capacity)}).${scheduler}`;
  }
  const best = candidates[0]!;
  if (best.free < gpus) {
    return `No node with ${gpus} free ${kind}GPUs: the most free is ${best.free} on ${best.node} (${whereFree(capacity)}). The run waits until GPUs are released.${scheduler}`;
  }
  return `The worker fits by GPU count (${best.free} free on ${best.node}) but the scheduler refused it.${scheduler}`;
}
