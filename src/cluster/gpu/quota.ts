// A namespace's ResourceQuota on GPUs, read before anything is created so a request that cannot
// fit is refused with the quota's figures instead of a 403 after submit.
import { CoreV1Api, type V1ResourceQuota } from '@kubernetes/client-node';
import { KubeMlError, toKubeMlError } from '../errors';
import { quantityValue } from './quantity';
import { NVIDIA_GPU } from './resources';
import type { ClusterSession } from '../session';

/** The namespace's tightest ResourceQuota on GPUs. */
export interface GpuQuota {
  readonly name: string;
  readonly used: number;
  readonly hard: number;
  /** GPUs still allowed: hard minus used, never negative. */
  readonly room: number;
}

const QUOTA_KEYS = [`requests.${NVIDIA_GPU}`, `limits.${NVIDIA_GPU}`];

/** The GPU quota with the least room, requests or limits; undefined when none limits GPUs. */
export function tightestGpuQuota(quotas: readonly V1ResourceQuota[]): GpuQuota | undefined {
  let tightest: GpuQuota | undefined;
  for (const quota of quotas) {
    for (const key of QUOTA_KEYS) {
      const hard = quantityValue(quota.status?.hard?.[key] ?? quota.spec?.hard?.[key] ?? '');
      const used = quantityValue(quota.status?.used?.[key] ?? '0');
      if (!Number.isFinite(hard) || !Number.isFinite(used)) continue;
      const candidate = {
        name: quota.metadata?.name ?? '',
        used,
        hard,
        room: Math.max(0, hard - used),
      };
      if (!tightest || candidate.room < tightest.room) tightest = candidate;
    }
  }
  return tightest;
}

/** The namespace's GPU quota; undefined when none limits GPUs or the user may not read quotas. */
export async function namespaceGpuQuota(session: ClusterSession): Promise<GpuQuota | undefined> {
  try {
    return tightestGpuQuota(
      (
        await session.kubeConfig
          .makeApiClient(CoreV1Api)
          .listNamespacedResourceQuota({ namespace: session.namespace })
      ).items,
    );
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

/** Why `gpus` cannot fit the quota (for input validation), or undefined when they can. */
export function quotaProblem(
  quota: GpuQuota | undefined,
  gpus: number,
  namespace: string,
): string | undefined {
  const problem = quotaRefusal(quota, gpus, namespace);
  return problem && `${problem.summary} ${problem.hint}`;
}

/** Refuses, before anything is created, a GPU request the namespace's quota cannot take. */
export function assertWithinGpuQuota(
  quota: GpuQuota | undefined,
  gpus: number,
  namespace: string,
): void {
  const problem = quotaRefusal(quota, gpus, namespace);
  if (problem) throw new KubeMlError('quotaExceeded', problem.summary, problem.hint);
}

function quotaRefusal(
  quota: GpuQuota | undefined,
  gpus: number,
  namespace: string,
): { summary: string; hint: string } | undefined {
  if (!quota || gpus <= quota.room) return undefined;
  return {
    summary: `${gpus} GPU${gpus === 1 ? '' : 's'} would exceed the ${describeGpuQuota(quota)} in namespace ${namespace}.`,
    hint:
      quota.room > 0
        ? `Ask for at most ${quota.room}, or stop something that holds GPUs in this namespace.`
        : 'Stop something that holds GPUs in this namespace, or ask an admin for more quota.',
  };
}
