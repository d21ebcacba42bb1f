import { CoreV1Api, type KubeConfig, type V1PersistentVolumeClaim } from '@kubernetes/client-node';
import type { WatchSource } from '../cluster/watchCache';
import { listWatchSource } from '../cluster/watchSources';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../cluster/workloadRef';
import { DEV_POD_LABEL } from '../cluster/devPodContract';

/** Our workspace claims are what outlives a stopped dev pod; the session caches only nodes and pods, so the view watches these itself. */
const SELECTOR = `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE},${DEV_POD_LABEL}`;

export function devPodClaimSource(
  kubeConfig: KubeConfig,
  namespace: string,
): WatchSource<V1PersistentVolumeClaim> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  return listWatchSource(kubeConfig, {
    description: `list dev pod volumes in namespace ${namespace}`,
    list: () => core.listNamespacedPersistentVolumeClaim({ namespace, labelSelector: SELECTOR }),
    watchPath: `/api/v1/namespaces/${encodeURIComponent(namespace)}/persistentvolumeclaims`,
    query: { labelSelector: SELECTOR },
  });
}
