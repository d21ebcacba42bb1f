import { CoreV1Api, KubeConfig, type V1Pod } from '@kubernetes/client-node';
import type { ClusterSession } from './session';
import { KubeMlError, toKubeMlError } from './errors';

/** Label the dev-pods feature puts on every pod of a dev pod. */
export const DEV_POD_LABEL = 'kube-ml.dev/devpod';

export function devPodSelector(devPodName: string): string {
  return `${DEV_POD_LABEL}=${devPodName}`;
}

/** A pod we may exec into or forward to: running, every container started, not being deleted. */
export function isUsablePod(pod: V1Pod): boolean {
  if (pod.metadata?.deletionTimestamp || pod.status?.phase !== 'Running') {
    return false;
  }
  const statuses = pod.status?.containerStatuses ?? [];
  return statuses.length === 0 || statuses.every((status) => status.state?.running !== undefined);
}

/** The newest usable pod first: after a recreation the replacement wins over a lingering old one. */
export function pickRunningPod(pods: readonly V1Pod[]): V1Pod | undefined {
  const created = (pod: V1Pod): number => new Date(pod.metadata?.creationTimestamp ?? 0).getTime();
  return pods.filter(isUsablePod).sort((a, b) => created(b) - created(a))[0];
}

function kubeConfigOf(source: ClusterSession | KubeConfig): KubeConfig {
  return source instanceof KubeConfig ? source : source.kubeConfig;
}

/**
 * The running pod behind `podSelector` in `namespace`, asked from the API server each time
 * (pods are recreated under the same labels, so a remembered name goes stale).
 */
export async function resolveRunningPod(source: ClusterSession | KubeConfig, namespace: string, podSelector: string): Promise<V1Pod> {
  const core = kubeConfigOf(source).makeApiClient(CoreV1Api);
  let pods: V1Pod[];
  try {
    pods = (await core.listNamespacedPod({ namespace, labelSelector: podSelector })).items;
  } catch (error) {
    throw toKubeMlError(error, `list pods matching ${podSelector} in ${namespace}`);
  }
  const pod = pickRunningPod(pods);
  if (pod) {
    return pod;
  }
  const phases = pods.map((candidate) => `${candidate.metadata?.name} is ${candidate.metadata?.deletionTimestamp ? 'terminating' : (candidate.status?.phase ?? 'unknown')}`);
  throw new KubeMlError(
    'notFound',
    `No running pod matches "${podSelector}" in namespace ${namespace}${phases.length ? ` (${phases.join(', ')})` : ''}.`,
    phases.length ? 'Wait until the pod is running and retry.' : 'Start (or resume) the workload first, then retry.',
  );
}

/** Reads one pod by name; a KubeMlError when it is gone. */
export async function readPod(source: ClusterSession | KubeConfig, namespace: string, name: string): Promise<V1Pod> {
  try {
    return await kubeConfigOf(source).makeApiClient(CoreV1Api).readNamespacedPod({ namespace, name });
  } catch (error) {
    throw toKubeMlError(error, `read pod ${namespace}/${name}`);
  }
}
