/**
 * Finding the NVIDIA DCGM exporter in a cluster and reading its /metrics through the API
 * server's pod or service proxy (so it works from a laptop, with the user's own RBAC).
 */
import { CoreV1Api, type KubeConfig, type V1Pod, type V1Service } from '@kubernetes/client-node';
import { toKubeMlError } from '../errors';
import { getApiText } from '../logs/logStream';
import { parsePrometheusText } from './prometheus';
import { readingsFromDcgm } from './dcgmMetrics';
import type { GpuReading } from './sample';

/** Labels the GPU operator and the dcgm-exporter Helm chart put on the exporter. */
export const DCGM_LABEL_SELECTORS = [
  'app=nvidia-dcgm-exporter',
  'app.kubernetes.io/name=dcgm-exporter',
] as const;
export const DCGM_DEFAULT_PORT = 9400;

export interface DcgmEndpoint {
  readonly kind: 'pod' | 'service';
  readonly namespace: string;
  readonly name: string;
  /** Port number or name. */
  readonly port: number | string;
  /** The node a pod endpoint runs on (one exporter pod per GPU node). */
  readonly node?: string;
}

/** API path of the exporter's /metrics through the API server proxy. */
export function dcgmProxyPath(endpoint: DcgmEndpoint): string {
  const resource = endpoint.kind === 'pod' ? 'pods' : 'services';
  return `/api/v1/namespaces/${encodeURIComponent(endpoint.namespace)}/${resource}/${encodeURIComponent(`${endpoint.name}:${endpoint.port}`)}/proxy/metrics`;
}

export function describeEndpoint(endpoint: DcgmEndpoint): string {
  return `DCGM exporter ${endpoint.kind} ${endpoint.namespace}/${endpoint.name}${endpoint.node ? ` on ${endpoint.node}` : ''} via the API server proxy`;
}

function metricsPortOfPod(pod: V1Pod): number | string {
  const ports = (pod.spec?.containers ?? []).flatMap((container) => container.ports ?? []);
  const port =
    ports.find((candidate) => candidate.name === 'metrics') ??
    ports.find((candidate) => candidate.containerPort === DCGM_DEFAULT_PORT) ??
    ports[0];
  return port?.containerPort ?? DCGM_DEFAULT_PORT;
}

function metricsPortOfService(service: V1Service): number | string {
  const ports = service.spec?.ports ?? [];
  const port =
    ports.find((candidate) => candidate.name === 'metrics' || candidate.name === 'gpu-metrics') ??
    ports[0];
  return port?.name ?? port?.port ?? DCGM_DEFAULT_PORT;
}

export interface DcgmDiscovery {
  readonly pods: DcgmEndpoint[];
  readonly services: DcgmEndpoint[];
  /** Why discovery saw nothing, e.g. "not allowed to list pods in all namespaces". */
  readonly problems: string[];
}

/** Running exporter pods (one per GPU node) and services, in any namespace the user may list. */
export async function discoverDcgm(kubeConfig: KubeConfig): Promise<DcgmDiscovery> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const pods = new Map<string, DcgmEndpoint>();
  const services = new Map<string, DcgmEndpoint>();
  const problems: string[] = [];
  for (const labelSelector of DCGM_LABEL_SELECTORS) {
    try {
      const list = await core.listPodForAllNamespaces({ labelSelector });
      for (const pod of list.items) {
        if (
          pod.status?.phase !== 'Running' ||
          pod.metadata?.deletionTimestamp ||
          !pod.metadata?.name ||
          !pod.metadata.namespace
        )
          continue;
        pods.set(`${pod.metadata.namespace}/${pod.metadata.name}`, {
          kind: 'pod',
          namespace: pod.metadata.namespace,
          name: pod.metadata.name,
          port: metricsPortOfPod(pod),
          node: pod.spec?.nodeName,
        });
      }
    } catch (error) {
      problems.push(
        toKubeMlError(error, `list pods labelled ${labelSelector} in all namespaces`).summary,
      );
    }
    try {
      const list = await core.listServiceForAllNamespaces({ labelSelector });
      for (const service of list.items) {
        if (!service.metadata?.name || !service.metadata.namespace) continue;
        services.set(`${service.metadata.namespace}/${service.metadata.name}`, {
          kind: 'service',
          namespace: service.metadata.namespace,
          name: service.metadata.name,
          port: metricsPortOfService(service),
        });
      }
    } catch (error) {
      problems.push(
        toKubeMlError(error, `list services labelled ${labelSelector} in all namespaces`).summary,
      );
    }
  }
  return {
    pods: [...pods.values()],
    services: [...services.values()],
    problems: [...new Set(problems)],
  };
}

/** Reads and parses one exporter; readings without a node label get the pod's node. */
export async function readDcgmEndpoint(
  kubeConfig: KubeConfig,
  endpoint: DcgmEndpoint,
  signal?: AbortSignal,
): Promise<GpuReading[]> {
  const text = await getApiText(
    kubeConfig,
    dcgmProxyPath(endpoint),
    `read GPU metrics from ${endpoint.namespace}/${endpoint.name}`,
    signal,
  );
  return readingsFromDcgm(parsePrometheusText(text).samples).map((reading) =>
    reading.node === undefined && endpoint.node ? { ...reading, node: endpoint.node } : reading,
  );
}

/** The exporter endpoint that serves a node: its pod there, else a service (which may answer for any node). */
export function endpointForNode(discovery: DcgmDiscovery, node: string): DcgmEndpoint | undefined {
  return discovery.pods.find((endpoint) => endpoint.node === node) ?? discovery.services[0];
}
