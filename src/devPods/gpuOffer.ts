import { CoreV1Api, type V1Pod, type V1ResourceQuota } from '@kubernetes/client-node';
import { KubeMlError, toKubeMlError } from '../cluster/errors';
import { GpuAccounting } from '../cluster/gpuAccounting';
import { NVIDIA_GPU, NVIDIA_GPU_PRODUCT_LABEL } from '../cluster/gpuPlacement';
import type { ClusterSession } from '../cluster/session';
import { productGpusFromAccounting, type ProductGpus } from './model/gpuCapacity';

/** The namespace's tightest ResourceQuota on GPUs. */
export interface GpuQuota {
  readonly name: string;
  readonly used: number;
  readonly hard: number;
  /** GPUs still allowed: hard minus used, never negative. */
  readonly room: number;
}

export type GpuOffer = (
  | { readonly kind: 'capacity'; readonly products: ProductGpus[]; /** Pods of other namespaces are invisible. */ readonly partial: boolean }
  /** The user may not read nodes: product names without counts. */
  | { readonly kind: 'hidden'; /** Products this namespace's pods ask for, then the kubeMl.devPods.gpuProducts setting's. */ readonly products: readonly string[] }
) & { /** Undefined when no quota limits GPUs (or quotas are unreadable: the API server still enforces them). */ readonly quota?: GpuQuota };

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

/** The GPU quota with the least room, requests or limits; undefined when none limits GPUs. */
export function tightestGpuQuota(quotas: readonly V1ResourceQuota[]): GpuQuota | undefined {
  let tightest: GpuQuota | undefined;
  for (const quota of quotas) {
    for (const key of QUOTA_KEYS) {
      const hard = Number(quota.status?.hard?.[key] ?? quota.spec?.hard?.[key] ?? Number.NaN);
      const used = Number(quota.status?.used?.[key] ?? 0);
      if (!Number.isFinite(hard) || !Number.isFinite(used)) continue;
      const candidate = { name: quota.metadata?.name ?? '', used, hard, room: Math.max(0, hard - used) };
      if (!tightest || candidate.room < tightest.room) tightest = candidate;
    }
  }
  return tightest;
}

/** The namespace's GPU quota; undefined when none limits GPUs or the user may not read quotas. */
export async function namespaceGpuQuota(session: ClusterSession): Promise<GpuQuota | undefined> {
  try {
    return tightestGpuQuota((await session.kubeConfig.makeApiClient(CoreV1Api).listNamespacedResourceQuota({ namespace: session.namespace })).items);
  } catch (error) {
    // Reading quotas is part of "view"; without it the quota still applies at create time.
    if (toKubeMlError(error, 'list resource quotas').kind !== 'forbidden') throw error;
    return undefined;
  }
}

/** "GPU quota gpu-quota: 3 of 8 used" for pickers and refusals. */
export function describeGpuQuota(quota: GpuQuota): string {
  return `GPU quota ${quota.name}: ${quota.used} of ${quota.hard} used`;
}

/** Refuses, before anything is created, a GPU request the namespace's quota cannot take. */
export function assertWithinGpuQuota(quota: GpuQuota | undefined, gpus: number, namespace: string): void {
  if (quota && gpus > quota.room) {
    throw new KubeMlError('quotaExceeded', `${gpus} GPU${gpus === 1 ? '' : 's'} would exceed the ${describeGpuQuota(quota)} in namespace ${namespace}.`, quota.room > 0 ? `Ask for at most ${quota.room}, or stop something that holds GPUs in this namespace.` : 'Stop something that holds GPUs in this namespace, or ask an admin for more quota.');
  }
}

/**
 * What Create Dev Pod offers. With node access: free GPUs per product from the session's caches.
 * A namespace-only user (nodes forbidden) gets the products its namespace reveals instead of
 * waiting on a list it may never read. Both carry the namespace's GPU quota.
 */
export async function gpuOffer(session: ClusterSession, configuredProducts: readonly string[]): Promise<GpuOffer> {
  await session.pods.ready;
  const quota = await namespaceGpuQuota(session);
  const withQuota = quota ? { quota } : {};
  try {
    await session.nodes.ready;
  } catch (error) {
    if (toKubeMlError(error, 'list nodes').kind !== 'forbidden') throw error;
    const fromPods = session.pods.list().filter((pod) => pod.metadata?.namespace === session.namespace).flatMap(productsNamedBy);
    return { kind: 'hidden', products: [...new Set([...fromPods, ...configuredProducts])], ...withQuota };
  }
  const partial = !(await session.can({ verb: 'list', resource: 'pods' }));
  return { kind: 'capacity', products: productGpusFromAccounting(GpuAccounting.from(session.nodes.list(), session.pods.list())), partial, ...withQuota };
}
