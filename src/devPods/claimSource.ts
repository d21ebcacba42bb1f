import { CoreV1Api, Watch, type KubeConfig, type V1PersistentVolumeClaim } from '@kubernetes/client-node';
import type { ListResult, RunningWatch, WatchEventType, WatchSource } from '../cluster/watchCache';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../cluster/workloadRef';
import { DEV_POD_LABEL } from '../cluster/devPodContract';

/** Our workspace claims are what outlives a stopped dev pod; the session caches only nodes and pods, so the view watches these itself. */
const SELECTOR = `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE},${DEV_POD_LABEL}`;
const WATCH_TIMEOUT_SECONDS = 270;

export function devPodClaimSource(kubeConfig: KubeConfig, namespace: string): WatchSource<V1PersistentVolumeClaim> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  return {
    description: `list dev pod volumes in namespace ${namespace}`,
    list: async (): Promise<ListResult<V1PersistentVolumeClaim>> => {
      const list = await core.listNamespacedPersistentVolumeClaim({ namespace, labelSelector: SELECTOR });
      return { items: list.items, resourceVersion: list.metadata?.resourceVersion ?? '' };
    },
    watch: (resourceVersion, onEvent, onDone): Promise<RunningWatch> =>
      new Watch(kubeConfig).watch(
        `/api/v1/namespaces/${encodeURIComponent(namespace)}/persistentvolumeclaims`,
        { resourceVersion, labelSelector: SELECTOR, allowWatchBookmarks: true, timeoutSeconds: WATCH_TIMEOUT_SECONDS },
        (type: string, object: unknown) => onEvent(type as WatchEventType, object),
        onDone,
      ),
  };
}
