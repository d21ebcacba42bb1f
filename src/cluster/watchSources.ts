import {
  CoreV1Api,
  KubernetesObjectApi,
  Watch,
  type KubeConfig,
  type KubernetesObject,
  type V1Namespace,
  type V1Node,
  type V1Pod,
} from '@kubernetes/client-node';
import { rejectCredentials } from './execCredentials/sharedExecAuth';
import type { ListResult, RunningWatch, WatchEventType, WatchSource } from './watchCache';

/**
 * client-node list + watch calls for the caches the session keeps. A watch asks the server to end
 * it after a few minutes (the informer habit) so a silently dead connection cannot stall forever;
 * the cache then re-watches from its resourceVersion.
 */
const WATCH_TIMEOUT_SECONDS = 240;

/**
 * Watches a collection path from `resourceVersion` ('' for now). A watch refused with 401 starts
 * again once with a fresh exec credential, as client-go does.
 */
export async function watchPath(
  kubeConfig: KubeConfig,
  path: string,
  query: Record<string, string>,
  resourceVersion: string,
  onEvent: (type: WatchEventType, object: unknown) => void,
  onDone: (error: unknown) => void,
): Promise<RunningWatch> {
  const timeoutSeconds = WATCH_TIMEOUT_SECONDS + Math.floor(Math.random() * 60);
  let aborted = false;
  let refreshed = false;
  let current: Promise<RunningWatch>;
  const start = (): Promise<RunningWatch> =>
    new Watch(kubeConfig).watch(
      path,
      {
        ...query,
        ...(resourceVersion ? { resourceVersion } : {}),
        allowWatchBookmarks: true,
        timeoutSeconds,
      },
      (type: string, object: unknown) => onEvent(type as WatchEventType, object),
      (error: unknown) => {
        if (
          !aborted &&
          !refreshed &&
          (error as { statusCode?: unknown } | null)?.statusCode === 401 &&
          rejectCredentials(kubeConfig)
        ) {
          refreshed = true;
          current = start();
          current.catch(onDone);
          return;
        }
        onDone(error);
      },
    );
  current = start();
  await current;
  return {
    abort: () => {
      aborted = true;
      void current.then(
        (watch) => watch.abort(),
        () => undefined,
      );
    },
  };
}

/** One list call and the watch path (with the same selectors) that continues it. */
export interface ListWatchSpec<T> {
  readonly description: string;
  readonly list: () => Promise<{
    readonly items: T[];
    readonly metadata?: { readonly resourceVersion?: string };
  }>;
  readonly watchPath: string;
  /** Selectors the list used (`labelSelector`, `fieldSelector`), passed to the watch as well. */
  readonly query?: Record<string, string>;
}

export function listWatchSource<T>(kubeConfig: KubeConfig, spec: ListWatchSpec<T>): WatchSource<T> {
  return {
    description: spec.description,
    list: async (): Promise<ListResult<T>> => {
      const list = await spec.list();
      return { items: list.items, resourceVersion: list.metadata?.resourceVersion ?? '' };
    },
    watch: (resourceVersion, onEvent, onDone) =>
      watchPath(kubeConfig, spec.watchPath, spec.query ?? {}, resourceVersion, onEvent, onDone),
  };
}

/** A namespaced collection of any kind, for caches the session does not keep (Jobs, training CRDs, Kueue Workloads, events). */
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

export function objectSource<T extends KubernetesObject>(
  kubeConfig: KubeConfig,
  target: ObjectTarget,
): WatchSource<T> {
  const api = KubernetesObjectApi.makeApiClient(kubeConfig);
  const { labelSelector, fieldSelector } = target;
  const selectors = [labelSelector, fieldSelector].filter(Boolean).join(', ');
  return listWatchSource(kubeConfig, {
    description: `list ${target.plural} in namespace ${target.namespace}${selectors ? ` (${selectors})` : ''}`,
    list: () =>
      api.list<T>(
        target.apiVersion,
        target.kind,
        target.namespace,
        undefined,
        undefined,
        undefined,
        fieldSelector,
        labelSelector,
      ),
    watchPath: collectionPath(target.apiVersion, target.plural, target.namespace),
    query: {
      ...(labelSelector ? { labelSelector } : {}),
      ...(fieldSelector ? { fieldSelector } : {}),
    },
  });
}

export function nodeSource(kubeConfig: KubeConfig): WatchSource<V1Node> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  return listWatchSource(kubeConfig, {
    description: 'list nodes',
    list: () => core.listNode(),
    watchPath: '/api/v1/nodes',
  });
}

export function namespaceSource(kubeConfig: KubeConfig): WatchSource<V1Namespace> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  return listWatchSource(kubeConfig, {
    description: 'list namespaces',
    list: () => core.listNamespace(),
    watchPath: '/api/v1/namespaces',
  });
}

/** Pods of every namespace (`namespace` undefined) or of one namespace. */
export function podSource(
  kubeConfig: KubeConfig,
  namespace: string | undefined,
): WatchSource<V1Pod> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  return listWatchSource(
    kubeConfig,
    namespace
      ? {
          description: `list pods in namespace ${namespace}`,
          list: () => core.listNamespacedPod({ namespace }),
          watchPath: `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`,
        }
      : {
          description: 'list pods in all namespaces',
          list: () => core.listPodForAllNamespaces(),
          watchPath: '/api/v1/pods',
        },
  );
}

/**
 * Pods cluster-wide when `canListAll` says so, else of `namespace` only (a developer identity
 * usually may not list pods cluster-wide). The scope is decided once, at the first list.
 */
export function scopedPodSource(
  kubeConfig: KubeConfig,
  namespace: string,
  canListAll: () => Promise<boolean>,
  onScope?: (scope: 'cluster' | 'namespace') => void,
): WatchSource<V1Pod> {
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
    watch: async (resourceVersion, onEvent, onDone) =>
      (await choose()).watch(resourceVersion, onEvent, onDone),
  };
}
