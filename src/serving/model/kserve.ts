import type { KubernetesObject } from '@kubernetes/client-node';
import { endpointLabels, SPEC_ANNOTATION } from './labels';
import { serverPodSpec, specAnnotation } from './manifests';
import type { EndpointSpec } from './spec';

export const KSERVE_GROUP = 'serving.kserve.io';
export const KSERVE_VERSION = 'v1beta1';
export const KSERVE_PLURAL = 'inferenceservices';

export interface InferenceService extends KubernetesObject {
  spec?: { predictor?: Record<string, unknown> };
  status?: {
    url?: string;
    address?: { url?: string };
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
    components?: Record<
      string,
      { latestReadyRevision?: string; latestCreatedRevision?: string; url?: string }
    >;
  };
}

/** Whether discovery's group list offers the InferenceService version we write. */
export function kserveAvailable(
  groups: readonly { name: string; versions: readonly { version: string }[] }[],
): boolean {
  return groups.some(
    (group) =>
      group.name === KSERVE_GROUP &&
      group.versions.some((version) => version.version === KSERVE_VERSION),
  );
}

/**
 * The endpoint as a KServe InferenceService with a custom predictor container: the same image,
 * arguments, probes, GPUs and security context as the Deployment path, scaled by KServe.
 */
export function buildInferenceService(spec: EndpointSpec): InferenceService {
  // KServe routes to the container it calls "kserve-container".
  const podSpec = serverPodSpec(spec, spec.name, 'kserve-container');
  return {
    apiVersion: `${KSERVE_GROUP}/${KSERVE_VERSION}`,
    kind: 'InferenceService',
    metadata: {
      name: spec.name,
      namespace: spec.namespace,
      labels: endpointLabels(spec.name),
      annotations: {
        [SPEC_ANNOTATION]: specAnnotation(spec),
        // Raw deployment mode: plain Deployments/Services, no Knative needed.
        'serving.kserve.io/deploymentMode': 'RawDeployment',
        'serving.kserve.io/autoscalerClass': 'hpa',
        'serving.kserve.io/metric': 'cpu',
        'serving.kserve.io/targetUtilizationPercentage': String(spec.scaling.targetCpuUtilization),
      },
    },
    spec: {
      predictor: {
        minReplicas: spec.scaling.minReplicas,
        maxReplicas: spec.scaling.maxReplicas,
        ...podSpec,
      },
    },
  };
}

export type InferenceServiceState =
  | { state: 'ready'; url?: string }
  | { state: 'progressing'; message: string }
  | { state: 'failed'; message: string };

/** Ready / progressing / failed from the InferenceService's conditions (KServe's own status). */
export function interpretInferenceService(service: InferenceService): InferenceServiceState {
  const conditions = service.status?.conditions ?? [];
  const ready = conditions.find((condition) => condition.type === 'Ready');
  const url = service.status?.url ?? service.status?.address?.url;
  if (ready?.status === 'True') return { state: 'ready', url };
  const failing = conditions.find((condition) => condition.status === 'False' && condition.message);
  if (
    failing &&
    (failing.reason === 'RevisionFailed' ||
      /fail|error|invalid/i.test(failing.reason ?? '') ||
      /fail|error/i.test(failing.message ?? ''))
  ) {
    return { state: 'failed', message: `${failing.type}: ${failing.message}` };
  }
  if (conditions.length === 0)
    return {
      state: 'progressing',
      message: 'Waiting for the KServe controller to pick up the InferenceService (no status yet).',
    };
  const pending = conditions.find((condition) => condition.status !== 'True');
  return {
    state: 'progressing',
    message: pending
      ? `${pending.type}: ${pending.message ?? pending.reason ?? 'not ready yet'}`
      : 'Not ready yet.',
  };
}
