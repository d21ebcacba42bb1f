import type { KubeConfig, V1Namespace, V1Node, V1Pod } from '@kubernetes/client-node';
import { AccessChecker, selfSubjectAccessReviewer, type AccessReviewer } from './permissions';
import type { AccessQuery, ClusterSession } from './session';
import { KubeWatchCache, type WatchCacheOptions } from './watchCache';
import { namespaceSource, nodeSource, scopedPodSource } from './watchSources';

export interface KubeSessionOptions {
  readonly contextName: string;
  readonly namespace: string;
  /** A KubeConfig whose current context is `contextName` (the session never changes it). */
  readonly kubeConfig: KubeConfig;
  readonly log?: WatchCacheOptions['log'];
  readonly cache?: Omit<WatchCacheOptions, 'log'>;
  /** Replaces SelfSubjectAccessReview (tests). */
  readonly reviewer?: AccessReviewer;
}

/**
 * One context + namespace: the shared node and pod caches (started at once) and the permission
 * checker. The namespace cache is created on first use because only the Clusters view needs it.
 */
export class KubeSession implements ClusterSession {
  readonly contextName: string;
  readonly namespace: string;
  readonly kubeConfig: KubeConfig;
  readonly nodes: KubeWatchCache<V1Node>;
  readonly pods: KubeWatchCache<V1Pod>;
  private readonly access: AccessChecker;
  private namespaceCache: KubeWatchCache<V1Namespace> | undefined;
  private scope: 'cluster' | 'namespace' | undefined;
  private disposed = false;

  constructor(private readonly options: KubeSessionOptions) {
    this.contextName = options.contextName;
    this.namespace = options.namespace;
    this.kubeConfig = options.kubeConfig;
    this.access = new AccessChecker(
      options.reviewer ?? selfSubjectAccessReviewer(options.kubeConfig),
    );
    const cacheOptions = { ...options.cache, log: options.log };
    this.nodes = new KubeWatchCache(nodeSource(options.kubeConfig), cacheOptions);
    const canListAllPods = async (): Promise<boolean> =>
      (await this.can({ verb: 'list', resource: 'pods' })) &&
      (await this.can({ verb: 'watch', resource: 'pods' }));
    this.pods = new KubeWatchCache(
      scopedPodSource(options.kubeConfig, options.namespace, canListAllPods, (scope) => {
        this.scope = scope;
      }),
      cacheOptions,
    );
  }

  /** 'cluster' when the pod cache holds every namespace, 'namespace' when only this one; undefined until decided. */
  get podScope(): 'cluster' | 'namespace' | undefined {
    return this.scope;
  }

  /** Namespaces of the cluster (a watch cache; 'failed' with a forbidden error when listing is not allowed). */
  get namespaces(): KubeWatchCache<V1Namespace> {
    if (this.disposed) {
      throw new Error('session disposed');
    }
    this.namespaceCache ??= new KubeWatchCache(namespaceSource(this.kubeConfig), {
      ...this.options.cache,
      log: this.options.log,
    });
    return this.namespaceCache;
  }

  can(query: AccessQuery): Promise<boolean> {
    return this.access.can(query);
  }

  requireAccess(query: AccessQuery): Promise<void> {
    return this.access.requireAccess(query);
  }

  dispose(): void {
    this.disposed = true;
    this.nodes.dispose();
    this.pods.dispose();
    this.namespaceCache?.dispose();
  }
}

/**
 * The namespace cache of a KubeSession, found by shape rather than instanceof so that code bundled
 * separately (extension-host tests) sees it too.
 */
export function namespacesOf(
  session: ClusterSession | undefined,
): KubeWatchCache<V1Namespace> | undefined {
  if (!session || !('namespaces' in session)) return undefined;
  try {
    return (session as { namespaces: KubeWatchCache<V1Namespace> }).namespaces;
  } catch {
    // A disposed session has no caches any more.
    return undefined;
  }
}
