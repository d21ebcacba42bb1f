import { CoreV1Api, Watch, type KubeConfig, type V1Namespace, type V1Node, type V1Pod } from '@kubernetes/client-node';
import type { ListResult, RunningWatch, WatchEventType, WatchSource } from './watchCache';

/**
 * client-node list + watch calls for the caches the session keeps. A watch asks the server to end
 * it after a few minutes (the informer habit) so a silently dead connection cannot stall forever;
 * the cache then re-watches from its resourceVersion.
 */
const WATCH_TIMEOUT_SECONDS = 240;

function watchPath(kubeConfig: KubeConfig, path: string, resourceVersion: string, onEvent: (type: WatchEventType, object: unknown) => void, onDone: (error: unknown) => void): Promise<RunningWatch> {
  const timeoutSeconds = WATCH_TIMEOUT_SECONDS + Math.floor(Math.random() * 60);
  return new Watch(kubeConfig).watch(path, { resourceVersion, allowWatchBookmarks: true, timeoutSeconds }, (type: string, object: unknown) => onEvent(type as WatchEventType, object), onDone);
}

export function nodeSource(kubeConfig: KubeConfig): WatchSource<V1Node> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  return {
    description: 'list nodes',
    list: async (): Promise<ListResult<V1Node>> => {
      const list = await core.listNode();
      return { items: list.items, resourceVersion: list.metadata?.resourceVersion ?? '' };
    },
    watch: (resourceVersion, onEvent, onDone) => watchPath(kubeConfig, '/api/v1/nodes', resourceVersion, onEvent, onDone),
  };
}

export function namespaceSource(kubeConfig: KubeConfig): WatchSource<V1Namespace> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  return {
    description: 'list namespaces',
    list: async (): Promise<ListResult<V1Namespace>> => {
      const list = await core.listNamespace();
      return { items: list.items, resourceVersion: list.metadata?.resourceVersion ?? '' };
    },
    watch: (resourceVersion, onEvent, onDone) => watchPath(kubeConfig, '/api/v1/namespaces', resourceVersion, onEvent, onDone),
  };
}

/** Pods of every namespace (`namespace` undefined) or of one namespace. */
export function podSource(kubeConfig: KubeConfig, namespace: string | undefined): WatchSource<V1Pod> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  return {
    description: namespace ? `list pods in namespace ${namespace}` : 'list pods in all namespaces',
    list: async (): Promise<ListResult<V1Pod>> => {
      const list = namespace ? await core.listNamespacedPod({ namespace }) : await core.listPodForAllNamespaces();
      return { items: list.items, resourceVersion: list.metadata?.resourceVersion ?? '' };
    },
    watch: (resourceVersion, onEvent, onDone) => watchPath(kubeConfig, namespace ? `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods` : '/api/v1/pods', resourceVersion, onEvent, onDone),
  };
}

/**
 * Pods cluster-wide when `canListAll` says so, else of `namespace` only (a developer identity
 * usually may not list pods cluster-wide). The scope is decided once, at the first list.
 */
export function scopedPodSource(kubeConfig: KubeConfig, namespace: string, canListAll: () => Promise<boolean>, onScope?: (scope: 'cluster' | 'namespace') => void): WatchSource<V1Pod> {
  let chosen: Promise<WatchSource<V1Pod>> | undefined;
  let description = `list pods in namespace ${namespace}`;
  const choose = (): Promise<WatchSource<V1Pod>> =>
    (chosen ??= canListAll().then(
      (all) => {
        onScope?.(all ? 'cluster' : 'namespace');
        const source = podSource(kubeConfig, all ? undefined : namespace);
        description = source.description;
        return source;
      },
      () => {
        // The review itself failed (old server, network): fall back to the narrow scope, which
        // reports its own error if the server is really unreachable.
        onScope?.('namespace');
        return podSource(kubeConfig, namespace);
      },
    ));
  return {
    get description() {
      return description;
    },
    list: async () => (await choose()).list(),
    watch: async (resourceVersion, onEvent, onDone) => (await choose()).watch(resourceVersion, onEvent, onDone),
  };
}
