import { AppsV1Api, CoreV1Api, CustomObjectsApi, Watch, type CoreV1Event, type KubeConfig, type V1Deployment, type V1Pod, type V1ReplicaSet } from '@kubernetes/client-node';
import type { ListResult, RunningWatch, WatchEventType, WatchSource } from '../cluster/watchCache';
import { KSERVE_GROUP, KSERVE_PLURAL, KSERVE_VERSION, type InferenceService } from './model/kserve';

/** Watch sources (list + watch) for the objects the Endpoints view and rollout tracking need. */
const WATCH_TIMEOUT_SECONDS = 240;

function watchPath(kubeConfig: KubeConfig, path: string, query: Record<string, string>, resourceVersion: string, onEvent: (type: WatchEventType, object: unknown) => void, onDone: (error: unknown) => void): Promise<RunningWatch> {
  return new Watch(kubeConfig).watch(path, { ...query, resourceVersion, allowWatchBookmarks: true, timeoutSeconds: WATCH_TIMEOUT_SECONDS }, (type: string, object: unknown) => onEvent(type as WatchEventType, object), onDone);
}

const ns = (namespace: string) => encodeURIComponent(namespace);

export function deploymentSource(kubeConfig: KubeConfig, namespace: string, labelSelector: string): WatchSource<V1Deployment> {
  const apps = kubeConfig.makeApiClient(AppsV1Api);
  return {
    description: `list deployments in namespace ${namespace}`,
    list: async (): Promise<ListResult<V1Deployment>> => {
      const list = await apps.listNamespacedDeployment({ namespace, labelSelector });
      return { items: list.items, resourceVersion: list.metadata?.resourceVersion ?? '' };
    },
    watch: (resourceVersion, onEvent, onDone) => watchPath(kubeConfig, `/apis/apps/v1/namespaces/${ns(namespace)}/deployments`, { labelSelector }, resourceVersion, onEvent, onDone),
  };
}

export function replicaSetSource(kubeConfig: KubeConfig, namespace: string, labelSelector: string): WatchSource<V1ReplicaSet> {
  const apps = kubeConfig.makeApiClient(AppsV1Api);
  return {
    description: `list replicasets in namespace ${namespace}`,
    list: async (): Promise<ListResult<V1ReplicaSet>> => {
      const list = await apps.listNamespacedReplicaSet({ namespace, labelSelector });
      return { items: list.items, resourceVersion: list.metadata?.resourceVersion ?? '' };
    },
    watch: (resourceVersion, onEvent, onDone) => watchPath(kubeConfig, `/apis/apps/v1/namespaces/${ns(namespace)}/replicasets`, { labelSelector }, resourceVersion, onEvent, onDone),
  };
}

/** Events of the namespace: the rollout tracker keeps those about the endpoint's objects. */
export function eventSource(kubeConfig: KubeConfig, namespace: string): WatchSource<CoreV1Event> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  return {
    description: `list events in namespace ${namespace}`,
    list: async (): Promise<ListResult<CoreV1Event>> => {
      const list = await core.listNamespacedEvent({ namespace, fieldSelector: 'type=Warning' });
      return { items: list.items, resourceVersion: list.metadata?.resourceVersion ?? '' };
    },
    watch: (resourceVersion, onEvent, onDone) => watchPath(kubeConfig, `/api/v1/namespaces/${ns(namespace)}/events`, { fieldSelector: 'type=Warning' }, resourceVersion, onEvent, onDone),
  };
}

export function inferenceServiceSource(kubeConfig: KubeConfig, namespace: string, labelSelector: string): WatchSource<InferenceService> {
  const custom = kubeConfig.makeApiClient(CustomObjectsApi);
  return {
    description: `list inferenceservices in namespace ${namespace}`,
    list: async (): Promise<ListResult<InferenceService>> => {
      const list = (await custom.listNamespacedCustomObject({ group: KSERVE_GROUP, version: KSERVE_VERSION, namespace, plural: KSERVE_PLURAL, labelSelector })) as { items: InferenceService[]; metadata?: { resourceVersion?: string } };
      return { items: list.items, resourceVersion: list.metadata?.resourceVersion ?? '' };
    },
    watch: (resourceVersion, onEvent, onDone) => watchPath(kubeConfig, `/apis/${KSERVE_GROUP}/${KSERVE_VERSION}/namespaces/${ns(namespace)}/${KSERVE_PLURAL}`, { labelSelector }, resourceVersion, onEvent, onDone),
  };
}

/** Pods of one endpoint (the shared session cache may be namespace- or cluster-wide; this one is narrow). */
export function selectedPodSource(kubeConfig: KubeConfig, namespace: string, labelSelector: string): WatchSource<V1Pod> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  return {
    description: `list pods in namespace ${namespace}`,
    list: async (): Promise<ListResult<V1Pod>> => {
      const list = await core.listNamespacedPod({ namespace, labelSelector });
      return { items: list.items, resourceVersion: list.metadata?.resourceVersion ?? '' };
    },
    watch: (resourceVersion, onEvent, onDone) => watchPath(kubeConfig, `/api/v1/namespaces/${ns(namespace)}/pods`, { labelSelector }, resourceVersion, onEvent, onDone),
  };
}
