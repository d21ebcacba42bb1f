import type { KubeConfig, V1Node, V1Pod } from '@kubernetes/client-node';

/** Something that holds a watch, stream, timer or listener and releases it on dispose. */
export interface Disposable {
  dispose(): void;
}

export type Listener<T> = (event: T) => void;

/** What changed in one batch of watch events; views refresh only these objects. */
export interface CacheChange<T> {
  readonly added: readonly T[];
  readonly updated: readonly T[];
  readonly deleted: readonly T[];
}

/** An informer: list once, then watch from the list's resourceVersion; relist on 410 Gone. */
export interface WatchCache<T> {
  /** Resolves after the first list; rejects with a KubeMlError when the list fails. */
  readonly ready: Promise<void>;
  list(): readonly T[];
  get(namespace: string | undefined, name: string): T | undefined;
  onDidChange(listener: Listener<CacheChange<T>>): Disposable;
}

/** One SelfSubjectAccessReview question. */
export interface AccessQuery {
  readonly verb: string;
  readonly resource: string;
  readonly group?: string;
  readonly namespace?: string;
  readonly subresource?: string;
  readonly name?: string;
}

/** The connection to one kubeconfig context and namespace, shared by every feature. */
export interface ClusterSession extends Disposable {
  readonly contextName: string;
  readonly namespace: string;
  /** Credentials live here: never pass it, or anything read from it, to a webview or a log. */
  readonly kubeConfig: KubeConfig;
  readonly nodes: WatchCache<V1Node>;
  /** Pods of all namespaces when the user may list them cluster-wide, else of `namespace`. */
  readonly pods: WatchCache<V1Pod>;
  can(query: AccessQuery): Promise<boolean>;
  /** Throws a KubeMlError of kind 'forbidden' that names the verb and resource. */
  requireAccess(query: AccessQuery): Promise<void>;
}
