import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { GPU_PRODUCT_LABEL, GPU_RESOURCE } from './podTemplate';

export interface NodeGpus {
  readonly node: string;
  readonly product: string | undefined;
  readonly allocatable: number;
  readonly used: number;
  readonly free: number;
}

function gpuCount(quantity: string | undefined): number {
  const value = Number.parseInt(quantity ?? '0', 10);
  return Number.isFinite(value) ? value : 0;
}

/** GPUs a pod holds on its node: the largest of its init containers or the sum of its containers. */
export function podGpuRequest(pod: V1Pod): number {
  const request = (container: { resources?: { requests?: Record<string, string>; limits?: Record<string, string> } }): number =>
    gpuCount(container.resources?.limits?.[GPU_RESOURCE] ?? container.resources?.requests?.[GPU_RESOURCE]);
  const main = (pod.spec?.containers ?? []).reduce((sum, container) => sum + request(container), 0);
  const init = Math.max(0, ...(pod.spec?.initContainers ?? []).map(request));
  return Math.max(main, init);
}

/** Free GPUs per schedulable GPU node: allocatable minus what bound, unfinished pods request. */
export function freeGpusByNode(nodes: readonly V1Node[], pods: readonly V1Pod[]): NodeGpus[] {
  const usedByNode = new Map<string, number>();
  for (const pod of pods) {
    const node = pod.spec?.nodeName;
    if (!node || pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') continue;
    usedByNode.set(node, (usedByNode.get(node) ?? 0) + podGpuRequest(pod));
  }
  return nodes
    .filter((node) => !node.spec?.unschedulable && gpuCount(node.status?.allocatable?.[GPU_RESOURCE]) > 0)
    .map((node) => {
      const name = node.metadata?.name ?? '';
      const allocatable = gpuCount(node.status?.allocatable?.[GPU_RESOURCE]);
      const used = usedByNode.get(name) ?? 0;
      return { node: name, product: node.metadata?.labels?.[GPU_PRODUCT_LABEL], allocatable, used, free: Math.max(0, allocatable - used) };
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
