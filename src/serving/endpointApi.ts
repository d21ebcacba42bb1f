import {
  ApisApi,
  AppsV1Api,
  AutoscalingV2Api,
  CoreV1Api,
  CustomObjectsApi,
  NetworkingV1Api,
  type KubeConfig,
  type KubernetesObject,
  type V1Deployment,
} from '@kubernetes/client-node';
import { KubeMlError, toKubeMlError } from '../cluster/errors';
import type { AccessQuery } from '../cluster/session';
import { applyObject } from '../cluster/apply';
import {
  buildInferenceService,
  KSERVE_GROUP,
  KSERVE_PLURAL,
  KSERVE_VERSION,
  kserveAvailable,
  type InferenceService,
} from './model/kserve';
import {
  ENDPOINT_LABEL,
  MODEL_VOLUME_LABEL,
  SERVER_SPEC_ANNOTATION,
  SPEC_ANNOTATION,
} from './model/labels';
import { buildEndpointManifests } from './model/manifests';
import { previousReplicaSet, revisionNumber } from './model/rollout';
import {
  apiKeySecretName,
  serverSpecOf,
  validateEndpointSpec,
  type EndpointSpec,
  type Scaling,
  type ServerSpec,
} from './model/spec';

/**
 * Applies, scales, rolls back and deletes endpoints with server-side apply (field manager
 * kube-ml-workbench). No vscode import: the cluster tests drive exactly this code.
 */
export type EndpointBackend = 'deployment' | 'kserve';

export interface AppliedEndpoint {
  readonly backend: EndpointBackend;
  readonly objects: readonly string[];
}

export function isNotFound(error: unknown): boolean {
  const candidate = error as { code?: unknown; statusCode?: unknown };
  return candidate?.code === 404 || candidate?.statusCode === 404;
}

/** Whether the cluster serves InferenceService (KServe CRDs installed), by API discovery. */
export async function detectKServe(kubeConfig: KubeConfig): Promise<boolean> {
  try {
    const groups = await kubeConfig.makeApiClient(ApisApi).getAPIVersions();
    return kserveAvailable(
      groups.groups.map((group) => ({
        name: group.name,
        versions: group.versions.map((version) => ({ version: version.version })),
      })),
    );
  } catch (error) {
    throw toKubeMlError(error, 'discover the API groups of the cluster');
  }
}

/** The permissions a deploy needs, asked before anything is created. */
export function deployAccessQueries(spec: EndpointSpec, backend: EndpointBackend): AccessQuery[] {
  const namespace = spec.namespace;
  if (backend === 'kserve')
    return [{ verb: 'patch', resource: KSERVE_PLURAL, group: KSERVE_GROUP, namespace }];
  const queries: AccessQuery[] = [
    { verb: 'patch', resource: 'deployments', group: 'apps', namespace },
    { verb: 'patch', resource: 'services', namespace },
  ];
  if (spec.scaling.maxReplicas > spec.scaling.minReplicas)
    queries.push({
      verb: 'patch',
      resource: 'horizontalpodautoscalers',
      group: 'autoscaling',
      namespace,
    });
  if (spec.exposure.kind === 'ingress')
    queries.push({ verb: 'patch', resource: 'ingresses', group: 'networking.k8s.io', namespace });
  if (spec.networkPolicy)
    queries.push({
      verb: 'patch',
      resource: 'networkpolicies',
      group: 'networking.k8s.io',
      namespace,
    });
  if (spec.apiKeySecret)
    queries.push(
      { verb: 'get', resource: 'secrets', namespace },
      { verb: 'create', resource: 'secrets', namespace },
    );
  return queries;
}

async function deleteIgnoringMissing(
  operation: string,
  remove: () => Promise<unknown>,
): Promise<boolean> {
  try {
    await remove();
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw toKubeMlError(error, operation);
  }
}

/** Applies the endpoint's objects and removes optional ones the spec no longer asks for. */
export async function applyEndpoint(
  kubeConfig: KubeConfig,
  spec: EndpointSpec,
  backend: EndpointBackend,
): Promise<AppliedEndpoint> {
  const problems = validateEndpointSpec(spec);
  if (problems.length > 0)
    throw new KubeMlError(
      'invalidInput',
      `The endpoint "${spec.name}" is not valid: ${problems.join(' ')}`,
      'Fix the named fields and deploy again.',
    );
  if (backend === 'kserve') {
    const service = buildInferenceService(spec);
    await applyObject(kubeConfig, service);
    return { backend, objects: [`InferenceService/${spec.name}`] };
  }
  const manifests = buildEndpointManifests(spec);
  const applied: string[] = [];
  // Policy and Service first: pods must never be reachable without the policy the user chose.
  for (const object of [
    manifests.networkPolicy,
    manifests.service,
    manifests.deployment,
    manifests.autoscaler,
    manifests.ingress,
  ]) {
    if (!object) continue;
    await applyObject(kubeConfig, object as KubernetesObject);
    applied.push(`${object.kind}/${object.metadata?.name}`);
  }
  const { namespace, name } = spec;
  if (!manifests.autoscaler)
    await deleteIgnoringMissing(`delete HorizontalPodAutoscaler ${namespace}/${name}`, () =>
      kubeConfig
        .makeApiClient(AutoscalingV2Api)
        .deleteNamespacedHorizontalPodAutoscaler({ namespace, name }),
    );
  if (!manifests.ingress)
    await deleteIgnoringMissing(`delete Ingress ${namespace}/${name}`, () =>
      kubeConfig.makeApiClient(NetworkingV1Api).deleteNamespacedIngress({ namespace, name }),
    );
  if (!manifests.networkPolicy)
    await deleteIgnoringMissing(`delete NetworkPolicy ${namespace}/${name}`, () =>
      kubeConfig.makeApiClient(NetworkingV1Api).deleteNamespacedNetworkPolicy({ namespace, name }),
    );
  return { backend, objects: applied };
}

export interface DeployedEndpoint {
  readonly backend: EndpointBackend;
  readonly spec: EndpointSpec;
  readonly deployment?: V1Deployment;
  readonly inferenceService?: InferenceService;
}

function specFrom(object: KubernetesObject, what: string): EndpointSpec {
  const text = object.metadata?.annotations?.[SPEC_ANNOTATION];
  if (!text)
    throw new KubeMlError(
      'invalidInput',
      `${what} was not deployed by Kube ML (it has no ${SPEC_ANNOTATION} annotation).`,
      'Manage it with the tool that created it.',
    );
  return JSON.parse(text) as EndpointSpec;
}

/** Reads an endpoint (Deployment first, then InferenceService) with the spec it was deployed from. */
export async function readEndpoint(
  kubeConfig: KubeConfig,
  namespace: string,
  name: string,
): Promise<DeployedEndpoint> {
  try {
    const deployment = await kubeConfig
      .makeApiClient(AppsV1Api)
      .readNamespacedDeployment({ namespace, name });
    return {
      backend: 'deployment',
      spec: specFrom(deployment, `Deployment ${namespace}/${name}`),
      deployment,
    };
  } catch (error) {
    if (!isNotFound(error)) throw toKubeMlError(error, `read endpoint ${namespace}/${name}`);
  }
  try {
    const service = (await kubeConfig.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({
      group: KSERVE_GROUP,
      version: KSERVE_VERSION,
      namespace,
      plural: KSERVE_PLURAL,
      name,
    })) as InferenceService;
    return {
      backend: 'kserve',
      spec: specFrom(service, `InferenceService ${namespace}/${name}`),
      inferenceService: service,
    };
  } catch (error) {
    throw toKubeMlError(error, `read endpoint ${namespace}/${name}`);
  }
}

/** Changes replica bounds only: the pod template stays the same, so no new rollout starts. */
export async function scaleEndpoint(
  kubeConfig: KubeConfig,
  namespace: string,
  name: string,
  scaling: Scaling,
): Promise<EndpointSpec> {
  const current = await readEndpoint(kubeConfig, namespace, name);
  const spec = { ...current.spec, scaling };
  await applyEndpoint(kubeConfig, spec, current.backend);
  return spec;
}

export interface RollBackResult {
  readonly fromRevision: number;
  readonly toRevision: number;
  readonly spec: EndpointSpec;
}

/**
 * Rolls back to the previous ReplicaSet revision: its pod template remembers the ServerSpec it
 * ran, which is re-applied with the current scaling and exposure. The Deployment controller
 * recognises the identical template and scales the old ReplicaSet back up.
 */
export async function rollBackEndpoint(
  kubeConfig: KubeConfig,
  namespace: string,
  name: string,
): Promise<RollBackResult> {
  const current = await readEndpoint(kubeConfig, namespace, name);
  if (current.backend !== 'deployment' || !current.deployment) {
    throw new KubeMlError(
      'invalidInput',
      `Endpoint ${name} runs on KServe, which keeps no ReplicaSet history here.`,
      'Deploy the previous version from its .kubeml/endpoint.yaml instead.',
    );
  }
  let replicaSets;
  try {
    replicaSets = (
      await kubeConfig
        .makeApiClient(AppsV1Api)
        .listNamespacedReplicaSet({ namespace, labelSelector: `${ENDPOINT_LABEL}=${name}` })
    ).items;
  } catch (error) {
    throw toKubeMlError(error, `list replicasets of ${namespace}/${name}`);
  }
  const previous = previousReplicaSet(current.deployment, replicaSets);
  if (!previous) {
    throw new KubeMlError(
      'notFound',
      `Endpoint ${name} has no earlier revision to roll back to (current revision ${revisionNumber(current.deployment)}).`,
      'Roll Back needs a previous deploy with a different image, model or resources.',
    );
  }
  const serverText = previous.spec?.template?.metadata?.annotations?.[SERVER_SPEC_ANNOTATION];
  if (!serverText)
    throw new KubeMlError(
      'invalidInput',
      `Revision ${revisionNumber(previous)} of ${name} was not created by Kube ML.`,
      'Roll back with kubectl rollout undo.',
    );
  // serverSpecOf lists every server field, so fields unset in the old revision (JSON drops them) are unset again.
  const spec: EndpointSpec = {
    ...current.spec,
    ...serverSpecOf(JSON.parse(serverText) as ServerSpec),
  };
  await applyEndpoint(kubeConfig, spec, 'deployment');
  return {
    fromRevision: revisionNumber(current.deployment),
    toRevision: revisionNumber(previous),
    spec,
  };
}

/** Deletes every object of the endpoint; the model volumes only when `deleteModelVolumes`. */
export async function deleteEndpoint(
  kubeConfig: KubeConfig,
  namespace: string,
  name: string,
  options: { deleteModelVolumes: boolean },
): Promise<string[]> {
  const deleted: string[] = [];
  const background = { propagationPolicy: 'Background' };
  const steps: [string, () => Promise<unknown>][] = [
    [
      `Ingress/${name}`,
      () => kubeConfig.makeApiClient(NetworkingV1Api).deleteNamespacedIngress({ namespace, name }),
    ],
    [
      `HorizontalPodAutoscaler/${name}`,
      () =>
        kubeConfig
          .makeApiClient(AutoscalingV2Api)
          .deleteNamespacedHorizontalPodAutoscaler({ namespace, name }),
    ],
    [
      `Deployment/${name}`,
      () =>
        kubeConfig
          .makeApiClient(AppsV1Api)
          .deleteNamespacedDeployment({ namespace, name, ...background }),
    ],
    [
      `Service/${name}`,
      () => kubeConfig.makeApiClient(CoreV1Api).deleteNamespacedService({ namespace, name }),
    ],
    [
      `NetworkPolicy/${name}`,
      () =>
        kubeConfig
          .makeApiClient(NetworkingV1Api)
          .deleteNamespacedNetworkPolicy({ namespace, name }),
    ],
    [
      `Secret/${apiKeySecretName(name)}`,
      () =>
        kubeConfig
          .makeApiClient(CoreV1Api)
          .deleteNamespacedSecret({ namespace, name: apiKeySecretName(name) }),
    ],
  ];
  for (const [object, remove] of steps) {
    if (await deleteIgnoringMissing(`delete ${object} in ${namespace}`, remove))
      deleted.push(object);
  }
  if (await detectKServe(kubeConfig)) {
    const removed = await deleteIgnoringMissing(
      `delete InferenceService ${namespace}/${name}`,
      () =>
        kubeConfig.makeApiClient(CustomObjectsApi).deleteNamespacedCustomObject({
          group: KSERVE_GROUP,
          version: KSERVE_VERSION,
          namespace,
          plural: KSERVE_PLURAL,
          name,
        }),
    );
    if (removed) deleted.push(`InferenceService/${name}`);
  }
  if (options.deleteModelVolumes) {
    const core = kubeConfig.makeApiClient(CoreV1Api);
    let claims;
    try {
      claims = (
        await core.listNamespacedPersistentVolumeClaim({
          namespace,
          labelSelector: `${MODEL_VOLUME_LABEL}=${name}`,
        })
      ).items;
    } catch (error) {
      throw toKubeMlError(error, `list model volumes of ${namespace}/${name}`);
    }
    for (const claim of claims) {
      const claimName = claim.metadata?.name ?? '';
      if (
        await deleteIgnoringMissing(`delete PersistentVolumeClaim ${namespace}/${claimName}`, () =>
          core.deleteNamespacedPersistentVolumeClaim({ namespace, name: claimName }),
        )
      )
        deleted.push(`PersistentVolumeClaim/${claimName}`);
    }
  }
  if (deleted.length === 0)
    throw new KubeMlError(
      'notFound',
      `Endpoint ${namespace}/${name} does not exist.`,
      'It may have been deleted already; the view refreshes on its own.',
    );
  return deleted;
}
