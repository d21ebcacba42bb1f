import type { V1Node, V1Pod } from '@kubernetes/client-node';
import type { FreeGpus } from './rollout';

const GPU = 'nvidia.com/gpu';
const PRODUCT_LABEL = 'nvidia.com/gpu.product';

function podGpus(pod: V1Pod): number {
  return (pod.spec?.containers ?? []).reduce((sum, container) => sum + Number(container.resources?.limits?.[GPU] ?? container.resources?.requests?.[GPU] ?? 0), 0);
}

/** Free GPUs per product: allocatable minus what non-finished pods bound to each node ask for. */
export function freeGpusByProduct(nodes: readonly V1Node[], pods: readonly V1Pod[]): FreeGpus {
  const usedByNode = new Map<string, number>();
  for (const pod of pods) {
    const node = pod.spec?.nodeName;
    if (!node || pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') continue;
    usedByNode.set(node, (usedByNode.get(node) ?? 0) + podGpus(pod));
  }
  const result = new Map<string, { free: number; largestOnOneNode: number }>();
  for (const node of nodes) {
    const allocatable = Number(node.status?.allocatable?.[GPU] ?? 0);
    if (allocatable <= 0 || node.spec?.unschedulable) continue;
    const product = node.metadata?.labels?.[PRODUCT_LABEL] ?? 'GPU';
    const free = Math.max(0, allocatable - (usedByNode.get(node.metadata?.name ?? '') ?? 0));
    const entry = result.get(product) ?? { free: 0, largestOnOneNode: 0 };
    result.set(product, { free: entry.free + free, largestOnOneNode: Math.max(entry.largestOnOneNode, free) });
  }
  return result;
}
