import type {
  CoreV1Event,
  KubeConfig,
  KubernetesObject,
  V1Node,
  V1Pod,
} from '@kubernetes/client-node';
import { DisposableStore } from '../cluster/disposableStore';
import { Emitter } from '../cluster/emitter';
import type { Disposable, WatchCache } from '../cluster/session';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../cluster/workloadRef';
import { freeGpusByNode } from './model/gpuFit';
import { OPTIONAL_APIS, type ClusterCapabilities } from './model/runtime';
import {
  deriveRunView,
  isFinished,
  runObjectInfo,
  workloadInfo,
  type RunObjectInfo,
  type RunView,
} from './model/runState';
import { KubeWatchCache } from '../cluster/watchCache';
import { objectSource } from '../cluster/watchSources';
import type { Log } from '../cluster/log';

/** What the store reads from a session: its credentials, namespace and shared pod/node caches. */
export interface RunStoreSource {
  readonly kubeConfig: KubeConfig;
  readonly namespace: string;
  readonly pods: WatchCache<V1Pod>;
  readonly nodes: WatchCache<V1Node>;
}

export interface RunsChange {
  readonly changed: readonly RunView[];
  readonly removed: readonly string[];
  /** Runs that moved to succeeded/failed in this change (not on first load). */
  readonly finished: readonly RunView[];
}

type Loose = KubernetesObject & {
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
};

/**
 * The runs of one namespace, derived from watches (Jobs, training CRDs, Kueue Workloads,
 * warning events, and the session's pod and node caches), never from polling. Fires only the
 * runs whose view changed.
 */
export class RunStore implements Disposable {
  private readonly disposables = new DisposableStore();
  private readonly changes = new Emitter<RunsChange>();
  private readonly topLists: KubeWatchCache<Loose>[] = [];
  private readonly workloads: KubeWatchCache<Loose> | undefined;
  private readonly events: KubeWatchCache<CoreV1Event>;
  private views = new Map<string, RunView>();
  private signatures = new Map<string, string>();
  private loaded = false;
  readonly ready: Promise<void>;
  readonly onDidChange = this.changes.event;

  constructor(
    private readonly source: RunStoreSource,
    /** Which training runtimes the cluster has (what re-running a run may use). */
    readonly capabilities: ClusterCapabilities,
    onError: (error: unknown) => void,
  ) {
    const namespace = source.namespace;
    const managed = `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}`;
    const report = (message: string) => onError(new Error(message));
    const log: Log = { debug: () => undefined, info: () => undefined, warn: report, error: report };
    const watch = <T extends KubernetesObject>(
      apiVersion: string,
      kind: string,
      plural: string,
      selectors: { labelSelector?: string; fieldSelector?: string } = {},
    ) =>
      this.disposables.add(
        new KubeWatchCache<T>(
          objectSource<T>(source.kubeConfig, { apiVersion, kind, plural, namespace, ...selectors }),
          { log },
        ),
      );
    this.topLists.push(watch<Loose>('batch/v1', 'Job', 'jobs', { labelSelector: managed }));
    for (const key of ['pytorchJob', 'trainJob', 'rayJob'] as const) {
      if (capabilities[key]) {
        const api = OPTIONAL_APIS[key];
        this.topLists.push(
          watch<Loose>(`${api.group}/${api.version}`, api.kind, api.plural, {
            labelSelector: managed,
          }),
        );
      }
    }
    const workloadApi = OPTIONAL_APIS.kueueWorkload;
    this.workloads = capabilities.kueue
      ? watch<Loose>(
          `${workloadApi.group}/${workloadApi.version}`,
          workloadApi.kind,
          workloadApi.plural,
        )
      : undefined;
    this.events = watch<CoreV1Event>('v1', 'Event', 'events', { fieldSelector: 'type=Warning' });
    const lists: {
      ready: Promise<void>;
      onDidChange: WatchCache<KubernetesObject>['onDidChange'];
    }[] = [...this.topLists, this.events, source.pods, source.nodes];
    if (this.workloads) lists.push(this.workloads);
    for (const list of lists) {
      this.disposables.add(list.onDidChange(() => this.recompute()));
    }
    // A list that fails at first keeps retrying in its cache; the view shows what did load.
    this.ready = Promise.allSettled(this.topLists.map((list) => list.ready)).then(() => {
      this.recompute();
      this.loaded = true;
    });
  }

  list(): RunView[] {
    return [...this.views.values()].sort(
      (a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0),
    );
  }

  get(name: string): RunView | undefined {
    return this.views.get(name);
  }

  dispose(): void {
    this.disposables.dispose();
    this.changes.dispose();
  }

  private runInfos(): RunObjectInfo[] {
    return this.topLists.flatMap((list) =>
      list
        .list()
        .map((object) => runObjectInfo(object))
        .filter((info): info is RunObjectInfo => info !== undefined),
    );
  }

  private podsOf(info: RunObjectInfo, pods: readonly V1Pod[]): V1Pod[] {
    const [key, value] = (
      info.runtime === 'trainJob'
        ? `jobset.sigs.k8s.io/jobset-name=${info.name}`
        : `kube-ml.dev/run=${info.name}`
    ).split('=') as [string, string];
    return pods.filter(
      (pod) => pod.metadata?.namespace === info.namespace && pod.metadata?.labels?.[key] === value,
    );
  }

  private newestWarning(info: RunObjectInfo): string | undefined {
    const mine = this.events
      .list()
      .filter(
        (event) =>
          event.involvedObject?.name === info.name && event.involvedObject?.uid === info.uid,
      )
      .sort(
        (a, b) =>
          new Date(b.lastTimestamp ?? b.eventTime ?? 0).getTime() -
          new Date(a.lastTimestamp ?? a.eventTime ?? 0).getTime(),
      );
    return mine[0]?.message;
  }

  private workloadOf(info: RunObjectInfo) {
    const workload = this.workloads
      ?.list()
      .find((candidate) =>
        (candidate.metadata?.ownerReferences ?? []).some(
          (owner) => owner.uid === info.uid || (owner.name === info.name && !owner.uid),
        ),
      );
    return workload ? workloadInfo(workload) : undefined;
  }

  private recompute(): void {
    const pods = this.source.pods.list();
    const capacity = freeGpusByNode(this.source.nodes.list(), pods);
    const next = new Map<string, RunView>();
    const changed: RunView[] = [];
    const finished: RunView[] = [];
    const signatures = new Map<string, string>();
    for (const info of this.runInfos()) {
      const view = deriveRunView({
        run: info,
        pods: this.podsOf(info, pods),
        workload: this.workloadOf(info),
        warning: this.newestWarning(info),
        capacity,
      });
      const signature = JSON.stringify(view);
      next.set(view.name, view);
      signatures.set(view.name, signature);
      if (this.signatures.get(view.name) !== signature) {
        changed.push(view);
        const before = this.views.get(view.name);
        if (this.loaded && isFinished(view.state) && (!before || !isFinished(before.state)))
          finished.push(view);
      }
    }
    const removed = [...this.views.keys()].filter((name) => !next.has(name));
    this.views = next;
    this.signatures = signatures;
    if (changed.length || removed.length) {
      this.changes.fire({ changed, removed, finished });
    }
  }
}
