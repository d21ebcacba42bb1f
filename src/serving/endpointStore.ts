import type { V1Deployment, V1Pod } from '@kubernetes/client-node';
import { Emitter } from '../cluster/emitter';
import type { ClusterSession, Disposable } from '../cluster/session';
import { KubeWatchCache } from '../cluster/watchCache';
import type { WorkloadRef } from '../cluster/workloadRef';
import {
  interpretInferenceService,
  KSERVE_GROUP,
  KSERVE_VERSION,
  type InferenceService,
} from './model/kserve';
import { ENDPOINT_LABEL, ENDPOINT_LIST_SELECTOR, SPEC_ANNOTATION } from './model/labels';
import { SERVICE_PORT } from './model/manifests';
import { interpretRollout, type RolloutPhase } from './model/rollout';
import { resolvedServer, type EndpointSpec } from './model/spec';
import { detectKServe, type EndpointBackend } from './endpointApi';
import { deploymentSource, inferenceServiceSource } from './watchSources';
import { DisposableStore } from '../cluster/disposableStore';
import type { Log } from '../cluster/log';

/** One deployed endpoint as the view and the playground show it. */
export interface EndpointInfo {
  /** "<namespace>/<name>" */
  readonly id: string;
  readonly namespace: string;
  readonly name: string;
  readonly backend: EndpointBackend;
  readonly spec?: EndpointSpec;
  readonly phase: RolloutPhase | 'unknown';
  readonly summary: string;
  readonly ready: number;
  readonly desired: number;
  /** In-cluster URL, or the Ingress/LoadBalancer URL when exposed. */
  readonly url: string;
  readonly externalUrl?: string;
  readonly containerPort: number;
  readonly openAiCompatible: boolean;
  readonly workload: WorkloadRef;
}

function parseSpec(text: string | undefined): EndpointSpec | undefined {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as EndpointSpec;
  } catch {
    return undefined;
  }
}

function externalUrlOf(spec: EndpointSpec | undefined): string | undefined {
  if (spec?.exposure.kind === 'ingress')
    return `${spec.exposure.tlsSecretName ? 'https' : 'http'}://${spec.exposure.host}`;
  return undefined;
}

export function describeDeployment(deployment: V1Deployment, pods: readonly V1Pod[]): EndpointInfo {
  const namespace = deployment.metadata?.namespace ?? '';
  const name = deployment.metadata?.name ?? '';
  const spec = parseSpec(deployment.metadata?.annotations?.[SPEC_ANNOTATION]);
  const ownPods = pods.filter(
    (pod) =>
      pod.metadata?.namespace === namespace && pod.metadata?.labels?.[ENDPOINT_LABEL] === name,
  );
  const status = interpretRollout({ deployment, pods: ownPods, events: [] });
  const server = spec
    ? resolvedServer(spec)
    : {
        port: deployment.spec?.template.spec?.containers[0]?.ports?.[0]?.containerPort ?? 8000,
        openAiCompatible: true,
      };
  return {
    id: `${namespace}/${name}`,
    namespace,
    name,
    backend: 'deployment',
    spec,
    phase: status.phase,
    summary: status.summary,
    ready: status.ready,
    desired: status.desired,
    url: `http://${name}.${namespace}.svc:${SERVICE_PORT}`,
    externalUrl: externalUrlOf(spec),
    containerPort: server.port,
    openAiCompatible: server.openAiCompatible,
    workload: {
      kind: 'Endpoint',
      namespace,
      name,
      podSelector: `${ENDPOINT_LABEL}=${name}`,
      controller: { apiVersion: 'apps/v1', kind: 'Deployment', name },
      container: 'server',
    },
  };
}

export function describeInferenceService(service: InferenceService): EndpointInfo {
  const namespace = service.metadata?.namespace ?? '';
  const name = service.metadata?.name ?? '';
  const spec = parseSpec(service.metadata?.annotations?.[SPEC_ANNOTATION]);
  const status = interpretInferenceService(service);
  const server = spec ? resolvedServer(spec) : { port: 8000, openAiCompatible: true };
  return {
    id: `${namespace}/${name}`,
    namespace,
    name,
    backend: 'kserve',
    spec,
    phase: status.state === 'ready' ? 'available' : status.state,
    summary: status.state === 'ready' ? 'Ready (KServe).' : status.message,
    ready: status.state === 'ready' ? 1 : 0,
    desired: spec?.scaling.minReplicas ?? 1,
    url:
      (status.state === 'ready' ? status.url : undefined) ??
      `http://${name}-predictor.${namespace}.svc`,
    containerPort: server.port,
    openAiCompatible: server.openAiCompatible,
    // KServe labels its predictor pods with the InferenceService name.
    workload: {
      kind: 'Endpoint',
      namespace,
      name,
      podSelector: `serving.kserve.io/inferenceservice=${name}`,
      controller: {
        apiVersion: `${KSERVE_GROUP}/${KSERVE_VERSION}`,
        kind: 'InferenceService',
        name,
      },
      container: 'kserve-container',
    },
  };
}

/**
 * The endpoints of the session's namespace, from watches on our Deployments (and InferenceServices
 * when KServe is installed). Fires the ids that changed so the tree refreshes only those items.
 */
export class EndpointStore implements Disposable {
  private readonly changes = new Emitter<readonly string[]>();
  readonly onDidChange = this.changes.event;
  private deployments: KubeWatchCache<V1Deployment> | undefined;
  private inferenceServices: KubeWatchCache<InferenceService> | undefined;
  private readonly subscriptions = new DisposableStore();
  private session: ClusterSession | undefined;
  private snapshot = new Map<string, EndpointInfo>();
  /** Last failure of a watch, shown by the view. */
  error: Error | undefined;

  constructor(private readonly log: Log) {}

  /** Starts watching the session's namespace (stops the previous watches). */
  setSession(session: ClusterSession | undefined): void {
    this.stop();
    this.session = session;
    this.error = undefined;
    if (!session) {
      this.recompute();
      return;
    }
    const options = { log: this.log, batchMs: 50 };
    this.deployments = new KubeWatchCache(
      deploymentSource(session.kubeConfig, session.namespace, ENDPOINT_LIST_SELECTOR),
      options,
    );
    this.deployments.ready.catch((error: Error) => {
      this.error = error;
      this.changes.fire([]);
    });
    this.subscriptions.add(this.deployments.onDidChange(() => this.recompute()));
    this.subscriptions.add(session.pods.onDidChange(() => this.recompute()));
    void this.deployments.ready.then(
      () => this.recompute(),
      () => undefined,
    );
    void detectKServe(session.kubeConfig).then(
      (available) => {
        if (!available || this.session !== session) return;
        this.inferenceServices = new KubeWatchCache(
          inferenceServiceSource(session.kubeConfig, session.namespace, ENDPOINT_LIST_SELECTOR),
          options,
        );
        this.subscriptions.add(this.inferenceServices.onDidChange(() => this.recompute()));
      },
      (error: Error) => this.log.warn(`KServe discovery failed: ${error.message}`),
    );
  }

  /** Looks for KServe again (after the user installed it, or after a deploy that used it). */
  refresh(): void {
    this.setSession(this.session);
  }

  list(): readonly EndpointInfo[] {
    return [...this.snapshot.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  get(id: string): EndpointInfo | undefined {
    return this.snapshot.get(id);
  }

  private recompute(): void {
    const next = new Map<string, EndpointInfo>();
    const pods = this.session?.pods.list() ?? [];
    for (const service of this.inferenceServices?.list() ?? []) {
      const info = describeInferenceService(service);
      next.set(info.id, info);
    }
    for (const deployment of this.deployments?.list() ?? []) {
      const info = describeDeployment(deployment, pods);
      next.set(info.id, info);
    }
    const changed: string[] = [];
    for (const [id, info] of next) {
      if (JSON.stringify(this.snapshot.get(id)) !== JSON.stringify(info)) changed.push(id);
    }
    for (const id of this.snapshot.keys()) if (!next.has(id)) changed.push(id);
    this.snapshot = next;
    if (changed.length > 0) this.changes.fire(changed);
  }

  private stop(): void {
    this.subscriptions.clear();
    this.deployments?.dispose();
    this.inferenceServices?.dispose();
    this.deployments = undefined;
    this.inferenceServices = undefined;
  }

  dispose(): void {
    this.stop();
    this.changes.dispose();
  }
}
