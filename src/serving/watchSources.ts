import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type CoreV1Event,
  type KubeConfig,
  type V1Deployment,
  type V1Pod,
  type V1ReplicaSet,
} from '@kubernetes/client-node';
import type { WatchSource } from '../cluster/watchCache';
import { listWatchSource } from '../cluster/watchSources';
import { KSERVE_GROUP, KSERVE_PLURAL, KSERVE_VERSION, type InferenceService } from './model/kserve';

// Watch sources (list + watch) for the objects the Endpoints view and rollout tracking need.

const ns = (namespace: string) => encodeURIComponent(namespace);

export function deploymentSource(
  kubeConfig: KubeConfig,
  namespace: string,
  labelSelector: string,
): WatchSource<V1Deployment> {
  const apps = kubeConfig.makeApiClient(AppsV1Api);
  return listWatchSource(kubeConfig, {
    description: `list deployments in namespace ${namespace}`,
    list: () => apps.listNamespacedDeployment({ namespace, labelSelector }),
    watchPath: `/apis/apps/v1/namespaces/${ns(namespace)}/deployments`,
    query: { labelSelector },
  });
}

export function replicaSetSource(
  kubeConfig: KubeConfig,
  namespace: string,
  labelSelector: string,
): WatchSource<V1ReplicaSet> {
  const apps = kubeConfig.makeApiClient(AppsV1Api);
  return listWatchSource(kubeConfig, {
    description: `list replicasets in namespace ${namespace}`,
    list: () => apps.listNamespacedReplicaSet({ namespace, labelSelector }),
    watchPath: `/apis/apps/v1/namespaces/${ns(namespace)}/replicasets`,
    query: { labelSelector },
  });
}

/** Events of the namespace: the rollout tracker keeps those about the endpoint's objects. */
export function eventSource(kubeConfig: KubeConfig, namespace: string): WatchSource<CoreV1Event> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  return listWatchSource(kubeConfig, {
    description: `list events in namespace ${namespace}`,
    list: () => core.listNamespacedEvent({ namespace, fieldSelector: 'type=Warning' }),
    watchPath: `/api/v1/namespaces/${ns(namespace)}/events`,
    query: { fieldSelector: 'type=Warning' },
  });
}

export function inferenceServiceSource(
  kubeConfig: KubeConfig,
  namespace: string,
  labelSelector: string,
): WatchSource<InferenceService> {
  const custom = kubeConfig.makeApiClient(CustomObjectsApi);
  return listWatchSource(kubeConfig, {
    description: `list inferenceservices in namespace ${namespace}`,
    list: async () =>
      (await custom.listNamespacedCustomObject({
        group: KSERVE_GROUP,
        version: KSERVE_VERSION,
        namespace,
        plural: KSERVE_PLURAL,
        labelSelector,
      })) as { items: InferenceService[]; metadata?: { resourceVersion?: string } },
    watchPath: `/apis/${KSERVE_GROUP}/${KSERVE_VERSION}/namespaces/${ns(namespace)}/${KSERVE_PLURAL}`,
    query: { labelSelector },
  });
}

/** Pods of one endpoint (the shared session cache may be namespace- or cluster-wide; this one is narrow). */
export function selectedPodSource(
  kubeConfig: KubeConfig,
  namespace: string,
  labelSelector: string,
): WatchSource<V1Pod> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  return listWatchSource(kubeConfig, {
    description: `list pods in namespace ${namespace}`,
    list: () => core.listNamespacedPod({ namespace, labelSelector }),
    watchPath: `/api/v1/namespaces/${ns(namespace)}/pods`,
    query: { labelSelector },
  });
}
