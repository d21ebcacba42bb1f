import type {
  V1Container,
  V1Deployment,
  V1Ingress,
  V1NetworkPolicy,
  V1PodSpec,
  V1Probe,
  V1Service,
  V2HorizontalPodAutoscaler,
} from '@kubernetes/client-node';
import { endpointLabels, ENDPOINT_LABEL, SERVER_SPEC_ANNOTATION, SPEC_ANNOTATION } from './labels';
import { runtimePreset } from './runtimes';
import { resolvedServer, serverSpecOf, type EndpointSpec, type ServerSpec } from './spec';
import { gpuPlacement } from '../../cluster/gpu/placement';
import { containerSecurityContext, podSecurityContext } from '../../cluster/podSecurity';

/** Where the model volume is mounted in server containers. */
export const MODEL_MOUNT_PATH = '/models';
export const SERVICE_PORT = 80;
export const CONTAINER_NAME = 'server';

export interface EndpointManifests {
  readonly deployment: V1Deployment;
  readonly service: V1Service;
  /** Only when maxReplicas > minReplicas; otherwise the Deployment's replicas is fixed. */
  readonly autoscaler?: V2HorizontalPodAutoscaler;
  readonly ingress?: V1Ingress;
  readonly networkPolicy?: V1NetworkPolicy;
}

export function modelPathInContainer(spec: ServerSpec): string {
  return spec.model.path
    ? `${MODEL_MOUNT_PATH}/${spec.model.path.replace(/\/+$/, '')}`
    : MODEL_MOUNT_PATH;
}

function probes(
  healthPath: string,
): Pick<V1Container, 'startupProbe' | 'readinessProbe' | 'livenessProbe'> {
  const probe = (timing: Partial<V1Probe>): V1Probe => ({
    httpGet: { path: healthPath, port: 'http' },
    ...timing,
  });
  return {
    // Loading tens of GB of weights takes minutes: the startup probe allows 30 min before liveness starts judging.
    startupProbe: probe({ periodSeconds: 10, failureThreshold: 180, timeoutSeconds: 5 }),
    readinessProbe: probe({ periodSeconds: 5, failureThreshold: 3, timeoutSeconds: 5 }),
    livenessProbe: probe({ periodSeconds: 15, failureThreshold: 4, timeoutSeconds: 10 }),
  };
}

/** The container variable the API key reaches the server through (never a literal in the pod spec). */
export const API_KEY_VARIABLE = 'KUBEML_API_KEY';

/** Arguments for the server: the preset's, or the custom ones with {model} substituted. */
export function serverArgs(
  spec: ServerSpec,
  servedName: string,
): { command?: string[]; args: string[] } {
  const { port } = resolvedServer(spec);
  const modelPath = modelPathInContainer(spec);
  const preset = runtimePreset(spec.runtime);
  const substitute = (value: string) =>
    value
      .replaceAll('{model}', modelPath)
      .replaceAll('{port}', String(port))
      .replaceAll('{name}', servedName);
  if (preset) {
    const keyArgs =
      spec.apiKeySecret && preset.apiKeyArgs ? preset.apiKeyArgs(API_KEY_VARIABLE) : [];
    return {
      command: spec.command?.map(substitute),
      args: [
        ...preset.args(modelPath, servedName, spec.gpus, port),
        ...keyArgs,
        ...(spec.args ?? []).map(substitute),
      ],
    };
  }
  return { command: spec.command?.map(substitute), args: (spec.args ?? []).map(substitute) };
}

/** The server container and pod spec shared by the Deployment and the KServe predictor. */
export function serverPodSpec(
  spec: ServerSpec,
  servedName: string,
  containerName = CONTAINER_NAME,
): V1PodSpec {
  const { image, port, healthPath } = resolvedServer(spec);
  const { command, args } = serverArgs(spec, servedName);
  const gpu = gpuPlacement(spec.gpus, spec.gpuProduct);
  const container: V1Container = {
    name: containerName,
    image,
    ...(command && command.length > 0 ? { command } : {}),
    args,
    ports: [{ name: 'http', containerPort: port, protocol: 'TCP' }],
    env: [
      // Restricted pods run as a user without a home folder; caches go to the writable scratch volume.
      { name: 'HOME', value: '/tmp' },
      { name: 'HF_HOME', value: '/tmp/huggingface' },
      { name: 'HF_HUB_OFFLINE', value: '1' },
      ...(spec.apiKeySecret
        ? [
            {
              name: API_KEY_VARIABLE,
              valueFrom: { secretKeyRef: { name: spec.apiKeySecret, key: 'api-key' } },
            },
          ]
        : []),
      ...Object.entries(spec.env ?? {})
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, value]) => ({ name, value })),
    ],
    resources: {
      requests: { cpu: spec.cpu, memory: spec.memory, ...gpu?.resources },
      limits: { memory: spec.memory, ...gpu?.resources },
    },
    volumeMounts: [
      { name: 'model', mountPath: MODEL_MOUNT_PATH, readOnly: spec.model.readOnly },
      { name: 'scratch', mountPath: '/tmp' },
      { name: 'dshm', mountPath: '/dev/shm' },
    ],
    ...probes(healthPath),
    securityContext: containerSecurityContext(spec.restrictedPodSecurity),
  };
  return {
    // A model server needs no API credentials; the default service account's token stays out.
    automountServiceAccountToken: false,
    securityContext: podSecurityContext(spec.restrictedPodSecurity),
    containers: [container],
    volumes: [
      {
        name: 'model',
        persistentVolumeClaim: { claimName: spec.model.claimName, readOnly: spec.model.readOnly },
      },
      { name: 'scratch', emptyDir: {} },
      // Tensor-parallel workers exchange tensors through shared memory; the default 64 MiB is far too small.
      { name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: '16Gi' } },
    ],
    ...gpu?.scheduling,
    terminationGracePeriodSeconds: 30,
  };
}

export function hasAutoscaler(spec: EndpointSpec): boolean {
  return spec.scaling.maxReplicas > spec.scaling.minReplicas;
}

/** JSON of the spec with keys in a stable order, for annotations. */
export function specAnnotation(spec: EndpointSpec): string {
  return JSON.stringify({ ...spec, ...serverSpecOf(spec) });
}

export function buildDeployment(spec: EndpointSpec): V1Deployment {
  const labels = endpointLabels(spec.name);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: spec.name,
      namespace: spec.namespace,
      labels,
      annotations: { [SPEC_ANNOTATION]: specAnnotation(spec) },
    },
    spec: {
      // With an autoscaler the HPA owns replicas; leaving it out keeps server-side apply from fighting it.
      ...(hasAutoscaler(spec) ? {} : { replicas: spec.scaling.minReplicas }),
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 1800,
      selector: { matchLabels: { [ENDPOINT_LABEL]: spec.name } },
      strategy: {
        type: 'RollingUpdate',
        rollingUpdate: { maxSurge: spec.gpus > 0 ? 0 : 1, maxUnavailable: spec.gpus > 0 ? 1 : 0 },
      },
      template: {
        metadata: {
          labels,
          annotations: { [SERVER_SPEC_ANNOTATION]: JSON.stringify(serverSpecOf(spec)) },
        },
        spec: serverPodSpec(spec, spec.name),
      },
    },
  };
}

export function buildService(spec: EndpointSpec): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: spec.name, namespace: spec.namespace, labels: endpointLabels(spec.name) },
    spec: {
      type: spec.exposure.kind === 'loadBalancer' ? 'LoadBalancer' : 'ClusterIP',
      selector: { [ENDPOINT_LABEL]: spec.name },
      ports: [{ name: 'http', port: SERVICE_PORT, targetPort: 'http', protocol: 'TCP' }],
    },
  };
}

export function buildAutoscaler(spec: EndpointSpec): V2HorizontalPodAutoscaler {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: spec.name, namespace: spec.namespace, labels: endpointLabels(spec.name) },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: spec.name },
      minReplicas: spec.scaling.minReplicas,
      maxReplicas: spec.scaling.maxReplicas,
      metrics: [
        {
          type: 'Resource',
          resource: {
            name: 'cpu',
            target: { type: 'Utilization', averageUtilization: spec.scaling.targetCpuUtilization },
          },
        },
      ],
      // A new replica loads the model for minutes: scale down slowly so load spikes do not thrash GPUs.
      behavior: {
        scaleDown: {
          stabilizationWindowSeconds: 600,
          policies: [{ type: 'Pods', value: 1, periodSeconds: 300 }],
        },
      },
    },
  };
}

export function buildIngress(spec: EndpointSpec): V1Ingress | undefined {
  if (spec.exposure.kind !== 'ingress') return undefined;
  const { host, ingressClassName, clusterIssuer } = spec.exposure;
  const tlsSecretName =
    spec.exposure.tlsSecretName ?? (clusterIssuer ? `${spec.name}-tls` : undefined);
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      name: spec.name,
      namespace: spec.namespace,
      labels: endpointLabels(spec.name),
      // Streamed completions can run for minutes; the default 60 s proxy timeout would cut them.
      annotations: {
        'nginx.ingress.kubernetes.io/proxy-read-timeout': '3600',
        'nginx.ingress.kubernetes.io/proxy-buffering': 'off',
        ...(clusterIssuer ? { 'cert-manager.io/cluster-issuer': clusterIssuer } : {}),
      },
    },
    spec: {
      ...(ingressClassName ? { ingressClassName } : {}),
      ...(tlsSecretName ? { tls: [{ hosts: [host], secretName: tlsSecretName }] } : {}),
      rules: [
        {
          host,
          http: {
            paths: [
              {
                path: '/',
                pathType: 'Prefix',
                backend: { service: { name: spec.name, port: { name: 'http' } } },
              },
            ],
          },
        },
      ],
    },
  };
}

/** Admits traffic to the server port only from the endpoint's namespace and the listed ones. */
export function buildNetworkPolicy(spec: EndpointSpec): V1NetworkPolicy | undefined {
  if (!spec.networkPolicy) return undefined;
  const { port } = resolvedServer(spec);
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: spec.name, namespace: spec.namespace, labels: endpointLabels(spec.name) },
    spec: {
      podSelector: { matchLabels: { [ENDPOINT_LABEL]: spec.name } },
      policyTypes: ['Ingress'],
      ingress: [
        {
          // client-node's model names the field `_from` (its serializer writes "from").
          _from: [
            { podSelector: {} },
            ...spec.networkPolicy.allowFromNamespaces.map((namespace) => ({
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } },
            })),
          ],
          ports: [{ protocol: 'TCP', port }],
        },
      ],
    },
  };
}

export function buildEndpointManifests(spec: EndpointSpec): EndpointManifests {
  return {
    deployment: buildDeployment(spec),
    service: buildService(spec),
    autoscaler: hasAutoscaler(spec) ? buildAutoscaler(spec) : undefined,
    ingress: buildIngress(spec),
    networkPolicy: buildNetworkPolicy(spec),
  };
}
