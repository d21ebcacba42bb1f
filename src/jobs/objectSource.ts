import { KubernetesObjectApi, Watch, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import type { ListResult, WatchEventType, WatchSource } from '../cluster/watchCache';

export interface ObjectTarget {
  readonly apiVersion: string;
  readonly kind: string;
  /** Lower-case plural, as in the URL. */
  readonly plural: string;
  readonly namespace: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
}

/** Collection path of a namespaced resource: core group under /api, others under /apis. */
export function collectionPath(apiVersion: string, plural: string, namespace: string): string {
  const root = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  return `${root}/namespaces/${encodeURIComponent(namespace)}/${plural}`;
}

/**
 * List + watch of any namespaced kind (Jobs, training CRDs, Kueue Workloads, events) for the
 * shared KubeWatchCache, which the session only provides for nodes and pods.
 */
export function objectSource<T extends KubernetesObject>(kubeConfig: KubeConfig, target: ObjectTarget): WatchSource<T> {
  const api = KubernetesObjectApi.makeApiClient(kubeConfig);
  const selectors = [target.labelSelector, target.fieldSelector].filter(Boolean).join(', ');
  return {
    description: `list ${target.plural} in namespace ${target.namespace}${selectors ? ` (${selectors})` : ''}`,
    list: async (): Promise<ListResult<T>> => {
      const list = await api.list<T>(target.apiVersion, target.kind, target.namespace, undefined, undefined, undefined, target.fieldSelector, target.labelSelector);
      return { items: list.items, resourceVersion: list.metadata?.resourceVersion ?? '' };
    },
    watch: (resourceVersion, onEvent, onDone) =>
      new Watch(kubeConfig).watch(
        collectionPath(target.apiVersion, target.plural, target.namespace),
        { resourceVersion, allowWatchBookmarks: true, timeoutSeconds: 240 + Math.floor(Math.random() * 60), labelSelector: target.labelSelector, fieldSelector: target.fieldSelector },
        (type: string, object: unknown) => onEvent(type as WatchEventType, object),
        onDone,
      ),
  };
}
