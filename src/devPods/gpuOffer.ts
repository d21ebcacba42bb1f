import { CoreV1Api, type V1Pod, type V1ResourceQuota } from '@kubernetes/client-node';
import { toKubeMlError } from '../cluster/errors';
import { GpuAccounting } from '../cluster/gpuAccounting';
import { NVIDIA_GPU, NVIDIA_GPU_PRODUCT_LABEL } from '../cluster/gpuPlacement';
import type { ClusterSession } from '../cluster/session';
import { productGpusFromAccounting, type ProductGpus } from './model/gpuCapacity';

/** GPUs offered to a user who may not read nodes: product names without counts, and the quota's room. */
export interface HiddenCapacity {
  /** Products this namespace's pods ask for, then the kubeMl.gpuProducts setting's; deduplicated. */
  readonly products: readonly string[];
  /** GPUs the namespace's ResourceQuota still allows; undefined when no quota limits GPUs. */
  readonly quotaRoom?: number;
}

export type GpuOffer =
  | { readonly kind: 'capacity'; readonly products: ProductGpus[]; /** Pods of other namespaces are invisible. */ readonly partial: boolean }
  | ({ readonly kind: 'hidden' } & HiddenCapacity);

const QUOTA_KEYS = [`requests.${NVIDIA_GPU}`, `limits.${NVIDIA_GPU}`];

/** The GPU products a pod's node selector or required node affinity names. */
export function productsNamedBy(pod: V1Pod): string[] {
  const named = new Set<string>();
  const selected = pod.spec?.nodeSelector?.[NVIDIA_GPU_PRODUCT_LABEL];
  if (selected) named.add(selected);
  for (const term of pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []) {
    for (const expression of term.matchExpressions ?? []) {
      if (expression.key === NVIDIA_GPU_PRODUCT_LABEL && expression.operator === 'In') for (const value of expression.values ?? []) named.add(value);
    }
  }
  return [...named];
}

/** GPUs the tightest GPU quota still allows (hard minus used); undefined when none limits GPUs. */
export function quotaRoom(quotas: readonly V1ResourceQuota[]): number | undefined {
  let room: number | undefined;
  for (const quota of quotas) {
    for (const key of QUOTA_KEYS) {
      const hard = quota.status?.hard?.[key] ?? quota.spec?.hard?.[key];
      if (hard === undefined) continue;
      const left = Math.max(0, Number(hard) - Number(quota.status?.used?.[key] ?? 0));
      if (Number.isFinite(left)) room = room === undefined ? left : Math.min(room, left);
    }
  }
  return room;
}

async function hiddenCapacity(session: ClusterSession, configuredProducts: readonly string[]): Promise<HiddenCapacity> {
  const fromPods = session.pods.list().filter((pod) => pod.metadata?.namespace === session.namespace).flatMap(productsNamedBy);
  const products = [...new Set([...fromPods, ...configuredProducts])];
  let quotas: V1ResourceQuota[] = [];
  try {
    quotas = (await session.kubeConfig.makeApiClient(CoreV1Api).listNamespacedResourceQuota({ namespace: session.namespace })).items;
  } catch (error) {
    // Reading quotas is part of "view"; without it the quota still applies at create time.
    if (toKubeMlError(error, 'list resource quotas').kind !== 'forbidden') throw error;
  }
  const room = quotaRoom(quotas);
  return room === undefined ? { products } : { products, quotaRoom: room };
}

/**
 * What Create Dev Pod offers. With node access: free GPUs per product from the session's caches.
 * A namespace-only user (nodes forbidden) gets the products its namespace reveals and the
 * quota's room instead of waiting on a list it may never read.
 */
export async function gpuOffer(session: ClusterSession, configuredProducts: readonly string[]): Promise<GpuOffer> {
  await session.pods.ready;
  try {
    await session.nodes.ready;
  } catch (error) {
    if (toKubeMlError(error, 'list nodes').kind !== 'forbidden') throw error;
    return { kind: 'hidden', ...(await hiddenCapacity(session, configuredProducts)) };
  }
  const partial = !(await session.can({ verb: 'list', resource: 'pods' }));
  return { kind: 'capacity', products: productGpusFromAccounting(GpuAccounting.from(session.nodes.list(), session.pods.list())), partial };
}
