import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { GpuAccounting, UNKNOWN_GPU } from '../../cluster/gpuAccounting';
import { NVIDIA_GPU } from '../../cluster/gpuPlacement';
import type { FreeGpus } from './rollout';

/** Free GPUs per product on schedulable nodes, from the shared accounting (what bound, unfinished pods request). */
export function freeGpusByProduct(nodes: readonly V1Node[], pods: readonly V1Pod[]): FreeGpus {
  const result = new Map<string, { free: number; largestOnOneNode: number }>();
  for (const node of GpuAccounting.from(nodes, pods).nodes()) {
    const device = node.devices.find((candidate) => candidate.resource === NVIDIA_GPU);
    if (!device || device.allocatable <= 0 || node.cordoned) continue;
    const product = device.product === UNKNOWN_GPU ? 'GPU' : device.product;
    const free = Math.max(0, device.allocatable - device.requested);
    const entry = result.get(product) ?? { free: 0, largestOnOneNode: 0 };
    result.set(product, { free: entry.free + free, largestOnOneNode: Math.max(entry.largestOnOneNode, free) });
  }
  return result;
}
