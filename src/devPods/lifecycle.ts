import {
  AuthenticationV1Api,
  CoreV1Api,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type V1Node,
  type V1PersistentVolumeClaim,
  type V1Pod,
} from '@kubernetes/client-node';
import { detectNodeAutoscaler } from '../cluster/autoscalerDetection';
import { KubeMlError, toKubeMlError } from '../cluster/errors';
import { FIELD_MANAGER } from '../cluster/workloadRef';
import { freeGpusByProduct, type ProductFreeGpus } from '../cluster/gpu/freeGpus';
import {
  DEFINITION_ANNOTATION,
  DEV_POD_LABEL,
  KEPT_FROM_ANNOTATION,
  STOPPED_AT_ANNOTATION,
  STOPPED_REASON_ANNOTATION,
  workspaceClaimName,
} from '../cluster/devPodContract';
import { decodeDefinition } from './model/definition';
import { devPodManifest, ownerLabelValue, workspaceClaimManifest } from './model/manifests';
import { validateDevPodSpec, type DevPodSpec } from './model/spec';
import { startFailureError, type StartFailure, type StartProgress } from './model/startProgress';
import { waitForPodGone, watchDevPodStart, type StartWatchOptions } from './startWatcher';

/**
 * Create, stop, resume and delete dev pods against the API server. No vscode import: the cluster
 * suite drives exactly this code, and the commands are thin wrappers around it.
 */

export interface StartResult {
  readonly progress: StartProgress;
  readonly node?: string;
  /** ms from the call to the API server accepting the pod: the extension's own share. */
  readonly submitMs: number;
  /** ms from the call to Running. */
  readonly runningMs: number;
}

export interface CreateOptions extends StartWatchOptions {
  readonly owner?: string;
  /** Names of dev pods already in the namespace (uniqueness is checked before any API call). */
  readonly existingNames?: Iterable<string>;
  readonly now?: () => Date;
}

const applyOptions = () => setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);
const mergeOptions = () => setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

function isNotFound(error: unknown): boolean {
  return (error as { code?: number }).code === 404;
}

/** The user name the API server sees, as an owner label value; undefined when the server cannot say. */
export async function currentUserLabel(kubeConfig: KubeConfig): Promise<string | undefined> {
  try {
    const review = await kubeConfig
      .makeApiClient(AuthenticationV1Api)
      .createSelfSubjectReview({ body: {} });
    const userName = review.status?.userInfo?.username;
    return userName ? ownerLabelValue(userName) : undefined;
  } catch {
    // Older servers (< 1.28) lack SelfSubjectReview: the owner label is optional.
    return undefined;
  }
}

/** Free GPUs as the scheduler sees them; undefined when the user may not list every pod (then the numbers would lie). */
export async function currentGpuCapacity(
  kubeConfig: KubeConfig,
): Promise<ProductFreeGpus[] | undefined> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  try {
    const [nodes, pods] = await Promise.all([
      core.listNode(),
      core.listPodForAllNamespaces({
        fieldSelector: 'status.phase!=Succeeded,status.phase!=Failed',
      }),
    ]);
    return freeGpusByProduct(nodes.items as V1Node[], pods.items as V1Pod[]);
  } catch {
    return undefined;
  }
}

async function applyClaim(core: CoreV1Api, claim: V1PersistentVolumeClaim): Promise<void> {
  const name = claim.metadata?.name ?? '';
  const namespace = claim.metadata?.namespace ?? '';
  try {
    await core.patchNamespacedPersistentVolumeClaim(
      { name, namespace, body: claim, fieldManager: FIELD_MANAGER, force: false },
      applyOptions(),
    );
  } catch (error) {
    throw toKubeMlError(error, `apply workspace volume ${namespace}/${name}`);
  }
}

async function applyPod(core: CoreV1Api, pod: V1Pod): Promise<V1Pod> {
  const name = pod.metadata?.name ?? '';
  const namespace = pod.metadata?.namespace ?? '';
  try {
    return await core.patchNamespacedPod(
      { name, namespace, body: pod, fieldManager: FIELD_MANAGER, force: false },
      applyOptions(),
    );
  } catch (error) {
    const translated = toKubeMlError(error, `create pod ${namespace}/${name}`);
    if (
      translated.kind === 'invalidInput' &&
      /immutable|Forbidden: pod updates/i.test(translated.detail ?? '')
    ) {
      throw new KubeMlError(
        'conflict',
        `Dev pod ${namespace}/${name} already runs with a different definition; a running pod cannot be changed.`,
        'Stop it first: Resume and create then use the new definition.',
        translated.detail,
      );
    }
    throw translated;
  }
}

async function claimExists(core: CoreV1Api, namespace: string, name: string): Promise<boolean> {
  try {
    await core.readNamespacedPersistentVolumeClaim({ namespace, name: workspaceClaimName(name) });
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw toKubeMlError(error, `read workspace volume ${namespace}/${workspaceClaimName(name)}`);
  }
}

/** Deletes what a failed create made: the pod, and the volume if this create made it. */
async function rollBack(core: CoreV1Api, spec: DevPodSpec, deleteClaim: boolean): Promise<void> {
  await core
    .deleteNamespacedPod({ namespace: spec.namespace, name: spec.name, gracePeriodSeconds: 0 })
    .catch((error: unknown) => {
      if (!isNotFound(error))
        throw toKubeMlError(error, `clean up pod ${spec.namespace}/${spec.name}`);
    });
  if (deleteClaim) {
    await core
      .deleteNamespacedPersistentVolumeClaim({
        namespace: spec.namespace,
        name: workspaceClaimName(spec.name),
      })
      .catch((error: unknown) => {
        if (!isNotFound(error))
          throw toKubeMlError(
            error,
            `clean up workspace volume ${spec.namespace}/${workspaceClaimName(spec.name)}`,
          );
      });
  }
}

/**
 * An autoscaler's refusal can reach the events watch before the scheduler's own message reaches
 * either watch; the pod's Unschedulable condition, which the autoscaler answered, holds it.
 */
async function withSchedulerMessage(
  core: CoreV1Api,
  spec: DevPodSpec,
  failure: StartFailure,
): Promise<StartFailure> {
  if (failure.kind !== 'unschedulable' || failure.schedulerMessage) return failure;
  const pod = await core
    .readNamespacedPod({ namespace: spec.namespace, name: spec.name })
    .catch(() => undefined);
  const condition = pod?.status?.conditions?.find(
    (candidate) => candidate.type === 'PodScheduled' && candidate.reason === 'Unschedulable',
  );
  return condition?.message ? { ...failure, schedulerMessage: condition.message } : failure;
}

/** Applies the pod from `spec` and waits for Running; on a start failure removes the pod (and a volume made by this call) and throws the explanation. */
async function startPod(
  kubeConfig: KubeConfig,
  spec: DevPodSpec,
  options: CreateOptions,
  madeClaim: boolean,
  startedAt: number,
): Promise<StartResult> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const now = (options.now ?? (() => new Date()))();
  let pod: V1Pod;
  try {
    pod = await applyPod(
      core,
      devPodManifest(spec, { now: now.toISOString(), owner: options.owner }),
    );
  } catch (error) {
    if (madeClaim) await rollBack(core, spec, true).catch(() => undefined);
    throw error;
  }
  const submitMs = Date.now() - startedAt;
  let progress: StartProgress;
  try {
    const context = options.context ?? { autoscaler: await detectNodeAutoscaler(kubeConfig) };
    progress = await watchDevPodStart(
      kubeConfig,
      spec.namespace,
      spec.name,
      pod.metadata?.uid ?? '',
      { ...options, context },
    );
  } catch (error) {
    if ((error as KubeMlError).kind === 'cancelled') {
      await rollBack(core, spec, madeClaim);
    }
    throw error;
  }
  if (progress.failure) {
    const failure = await withSchedulerMessage(core, spec, progress.failure);
    const products =
      failure.kind === 'unschedulable' ? await currentGpuCapacity(kubeConfig) : undefined;
    await rollBack(core, spec, madeClaim);
    throw startFailureError(failure, {
      namespace: spec.namespace,
      name: spec.name,
      gpuCount: spec.gpu?.count ?? 0,
      gpuProduct: spec.gpu?.product,
      image: spec.image,
      products,
    });
  }
  return { progress, node: progress.node, submitMs, runningMs: Date.now() - startedAt };
}

/**
 * Creates (or idempotently re-applies) the workspace volume and the pod with server-side apply,
 * then waits until it runs. Invalid input is rejected before any API call.
 */
export async function createDevPod(
  kubeConfig: KubeConfig,
  spec: DevPodSpec,
  options: CreateOptions = {},
): Promise<StartResult> {
  const startedAt = Date.now();
  const problems = validateDevPodSpec(spec, options.existingNames ?? []);
  if (problems.length > 0) {
    throw new KubeMlError(
      'invalidInput',
      problems[0],
      problems.length > 1 ? `Also: ${problems.slice(1).join(' ')}` : 'Fix it and try again.',
    );
  }
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const existed = await claimExists(core, spec.namespace, spec.name);
  const now = (options.now ?? (() => new Date()))();
  await applyClaim(
    core,
    workspaceClaimManifest(spec, { now: now.toISOString(), owner: options.owner }),
  );
  return startPod(kubeConfig, spec, options, !existed, startedAt);
}

/** The definition stored on the dev pod's workspace volume. */
export async function readStoredSpec(
  kubeConfig: KubeConfig,
  namespace: string,
  name: string,
): Promise<DevPodSpec> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  let claim: V1PersistentVolumeClaim;
  try {
    claim = await core.readNamespacedPersistentVolumeClaim({
      namespace,
      name: workspaceClaimName(name),
    });
  } catch (error) {
    if (isNotFound(error)) {
      throw new KubeMlError(
        'notFound',
        `Dev pod ${namespace}/${name} cannot be resumed: its workspace volume ${workspaceClaimName(name)} no longer exists.`,
        'Create the dev pod again.',
      );
    }
    throw toKubeMlError(error, `read workspace volume ${namespace}/${workspaceClaimName(name)}`);
  }
  const decoded = decodeDefinition(claim.metadata?.annotations?.[DEFINITION_ANNOTATION], namespace);
  if ('problem' in decoded) {
    throw new KubeMlError(
      'invalidInput',
      `Dev pod ${namespace}/${name} cannot be resumed: ${decoded.problem}.`,
      'Create it again from a definition (its volume is reused).',
    );
  }
  return decoded.spec;
}

/** Releases the GPUs: deletes the pod, keeps the volume and the definition on it. Waits until the pod is gone. */
export async function stopDevPod(
  kubeConfig: KubeConfig,
  namespace: string,
  name: string,
  reason: string,
  timeoutMs = 60_000,
): Promise<void> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  await core
    .patchNamespacedPersistentVolumeClaim(
      {
        namespace,
        name: workspaceClaimName(name),
        body: {
          metadata: {
            annotations: {
              [STOPPED_AT_ANNOTATION]: new Date().toISOString(),
              [STOPPED_REASON_ANNOTATION]: reason,
            },
          },
        },
      },
      mergeOptions(),
    )
    .catch((error: unknown) => {
      if (!isNotFound(error))
        throw toKubeMlError(
          error,
          `mark workspace volume ${namespace}/${workspaceClaimName(name)} as stopped`,
        );
    });
  try {
    await core.deleteNamespacedPod({ namespace, name, gracePeriodSeconds: 10 });
  } catch (error) {
    if (isNotFound(error)) return;
    throw toKubeMlError(error, `stop dev pod ${namespace}/${name} (delete pod)`);
  }
  await waitForPodGone(kubeConfig, namespace, name, timeoutMs);
}

/** Recreates the pod from the definition stored on the volume, so the same workspace comes back. */
export async function resumeDevPod(
  kubeConfig: KubeConfig,
  namespace: string,
  name: string,
  options: CreateOptions = {},
): Promise<StartResult> {
  const startedAt = Date.now();
  const spec = await readStoredSpec(kubeConfig, namespace, name);
  // A pod of the same name still terminating would make the apply a no-op on a dying pod.
  await waitForPodGone(kubeConfig, namespace, name, 60_000);
  const core = kubeConfig.makeApiClient(CoreV1Api);
  await core
    .patchNamespacedPersistentVolumeClaim(
      {
        namespace,
        name: workspaceClaimName(name),
        body: {
          metadata: {
            annotations: { [STOPPED_AT_ANNOTATION]: null, [STOPPED_REASON_ANNOTATION]: null },
          },
        },
      },
      mergeOptions(),
    )
    .catch((error: unknown) => {
      throw toKubeMlError(
        error,
        `mark workspace volume ${namespace}/${workspaceClaimName(name)} as resumed`,
      );
    });
  return startPod(kubeConfig, spec, options, false, startedAt);
}

/**
 * Deletes the pod and, unless `keepVolume`, the workspace volume. A kept volume stops being a dev
 * pod (label and definition removed) but keeps its data: creating a dev pod of the same name reuses it.
 */
export async function deleteDevPod(
  kubeConfig: KubeConfig,
  namespace: string,
  name: string,
  options: { keepVolume: boolean },
): Promise<void> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const claimName = workspaceClaimName(name);
  try {
    await core.deleteNamespacedPod({ namespace, name, gracePeriodSeconds: 10 });
  } catch (error) {
    if (!isNotFound(error)) throw toKubeMlError(error, `delete pod ${namespace}/${name}`);
  }
  try {
    if (options.keepVolume) {
      await core.patchNamespacedPersistentVolumeClaim(
        {
          namespace,
          name: claimName,
          body: {
            metadata: {
              labels: { [DEV_POD_LABEL]: null },
              annotations: { [DEFINITION_ANNOTATION]: null, [KEPT_FROM_ANNOTATION]: name },
            },
          },
        },
        mergeOptions(),
      );
    } else {
      await core.deleteNamespacedPersistentVolumeClaim({ namespace, name: claimName });
    }
  } catch (error) {
    if (!isNotFound(error))
      throw toKubeMlError(
        error,
        `${options.keepVolume ? 'detach' : 'delete'} workspace volume ${namespace}/${claimName}`,
      );
  }
}
