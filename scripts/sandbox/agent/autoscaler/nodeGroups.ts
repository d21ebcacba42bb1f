// The sandbox's autoscaled node groups: pools that start with zero nodes and grow when a pending
// pod fits their template, as Cluster Autoscaler grows an EKS/GKE node group.
import type * as k8s from '@kubernetes/client-node';
import { fakeNode, L4, POOL_LABEL } from '../../fixtures';

export interface NodeGroup {
  readonly name: string;
  readonly maxSize: number;
  /** The node the group adds as its `index`-th member. */
  node(index: number): k8s.V1Node;
}

export const SANDBOX_NODE_GROUPS: readonly NodeGroup[] = [
  {
    name: 'l4-autoscaled',
    maxSize: 2,
    node: (index) => fakeNode(`l4-autoscaled-${index}`, L4, 'l4-autoscaled'),
  },
];

/** The group a node belongs to, by the pool label its template sets. */
export function groupOf(
  node: k8s.V1Node,
  groups: readonly NodeGroup[] = SANDBOX_NODE_GROUPS,
): NodeGroup | undefined {
  const pool = node.metadata?.labels?.[POOL_LABEL];
  return groups.find((group) => group.name === pool);
}
