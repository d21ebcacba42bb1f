import type { V1Pod } from '@kubernetes/client-node';
import { listAllowed } from '../cluster/permissions';
import { freeGpusByProduct, type ProductFreeGpus } from '../cluster/gpu/freeGpus';
import { NVIDIA_GPU_PRODUCT_LABEL } from '../cluster/gpu/resources';
import { namespaceGpuQuota, type GpuQuota } from '../cluster/gpu/quota';
import type { ClusterSession } from '../cluster/session';

export type GpuOffer = (
  | {
      readonly kind: 'capacity';
      readonly products: ProductFreeGpus[];
      /** Pods of other namespaces are invisible. */ readonly partial: boolean;
    }
  /** The user may not read nodes: product names without counts. */
  | {
      readonly kind: 'hidden';
      /** Products this namespace's pods ask for, then the kubeMl.devPods.gpuProducts setting's. */ readonly products: readonly string[];
    }
) & {
  /** Undefined when no quota limits GPUs (or quotas are unreadable: the API server still enforces them). */ readonly quota?: GpuQuota;
};

/** The GPU products a pod's node selector or required node affinity names. */
export function productsNamedBy(pod: V1Pod): string[] {
  const named = new Set<string>();
  const selected = pod.spec?.nodeSelector?.[NVIDIA_GPU_PRODUCT_LABEL];
  if (selected) named.add(selected);
  for (const term of pod.spec?.affinity?.nodeAffinity
    ?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []) {
    for (const expression of term.matchExpressions ?? []) {
      if (expression.key === NVIDIA_GPU_PRODUCT_LABEL && expression.operator === 'In')
        for (const value of expression.values ?? []) named.add(value);
    }
  }
  return [...named];
}

/**
 * What Create Dev Pod offers. With node access: free GPUs per product from the session's caches.
 * A namespace-only user (nodes forbidden) gets the products its namespace reveals instead of
 * waiting on a list it may never read. Both carry the namespace's GPU quota.
 */
export async function gpuOffer(
  session: ClusterSession,
  configuredProducts: readonly string[],
): Promise<GpuOffer> {
  await session.pods.ready;
  const quota = await namespaceGpuQuota(session);
  const withQuota = quota ? { quota } : {};
  if (!(await listAllowed(session.nodes, 'list nodes'))) {
    const fromPods = session.pods
      .list()
      .filter((pod) => pod.metadata?.namespace === session.namespace)
      .flatMap(productsNamedBy);
    return {
      kind: 'hidden',
      products: [...new Set([...fromPods, ...configuredProducts])],
      ...withQuota,
    };
  }
  const partial = !(await session.can({ verb: 'list', resource: 'pods' }));
  return {
    kind: 'capacity',
    products: freeGpusByProduct(session.nodes.list(), session.pods.list()),
    partial,
    ...withQuota,
  };
}
