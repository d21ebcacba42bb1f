import {
  CoreV1Api,
  KubernetesObjectApi,
  PatchStrategy,
  type KubernetesObject,
  type V1Pod,
} from '@kubernetes/client-node';
import { KubeMlError, toKubeMlError } from '../cluster/errors';
import type { AccessQuery } from '../cluster/session';
import { rerunName, type JobSpec } from './model/jobSpec';
import {
  CANCELLED_ANNOTATION,
  COMPLETION_INDEX_ANNOTATION,
  runController,
  SPEC_ANNOTATION,
} from './model/manifests';
import { codePartName } from './model/podTemplate';
import { OPTIONAL_APIS, type ClusterCapabilities, type Runtime } from './model/runtime';
import { submitRun, type SubmitResult, type SubmitSession } from './submit';

/** The run a command acts on. */
export interface RunRef {
  readonly namespace: string;
  readonly name: string;
  readonly runtime: Runtime;
}

function topHeader(run: RunRef): {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string };
} {
  const { apiVersion, kind } = runController(run.runtime, run.name);
  return { apiVersion, kind, metadata: { name: run.name, namespace: run.namespace } };
}

function accessFor(run: RunRef, verb: string): AccessQuery {
  const header = topHeader(run);
  const group = header.apiVersion.includes('/') ? header.apiVersion.split('/')[0]! : '';
  const resource =
    run.runtime === 'job' || run.runtime === 'indexedJob'
      ? 'jobs'
      : OPTIONAL_APIS[run.runtime].plural;
  return { verb, group, resource, namespace: run.namespace, name: run.name };
}

/**
 * Stops a run but keeps it (and its logs) for comparison: suspending makes the controller
 * delete the pods; the annotation tells the view it was a cancel, not a queue wait.
 */
export async function cancelRun(
  session: SubmitSession,
  run: RunRef,
  now = new Date(),
): Promise<void> {
  await session.requireAccess(accessFor(run, 'patch'));
  const suspend =
    run.runtime === 'pytorchJob' ? { runPolicy: { suspend: true } } : { suspend: true };
  const patch = {
    ...topHeader(run),
    metadata: {
      ...topHeader(run).metadata,
      annotations: { [CANCELLED_ANNOTATION]: now.toISOString() },
    },
    spec: suspend,
  };
  try {
    await KubernetesObjectApi.makeApiClient(session.kubeConfig).patch(
      patch,
      undefined,
      undefined,
      undefined,
      undefined,
      PatchStrategy.MergePatch,
    );
  } catch (error) {
    throw toKubeMlError(error, `cancel ${run.runtime} ${run.namespace}/${run.name}`);
  }
}

/** Deletes the run; its pods, Service and code Secrets go with it (owner references). */
export async function deleteRun(session: SubmitSession, run: RunRef): Promise<void> {
  await session.requireAccess(accessFor(run, 'delete'));
  try {
    await KubernetesObjectApi.makeApiClient(session.kubeConfig).delete(
      topHeader(run),
      undefined,
      undefined,
      undefined,
      undefined,
      'Background',
    );
  } catch (error) {
    if ((error as { code?: number }).code === 404) return;
    throw toKubeMlError(error, `delete ${run.runtime} ${run.namespace}/${run.name}`);
  }
}

/** The spec a run was made from (stored on it at submit). */
export async function readRunSpec(session: SubmitSession, run: RunRef): Promise<JobSpec> {
  let object: KubernetesObject;
  try {
    object = await KubernetesObjectApi.makeApiClient(session.kubeConfig).read(topHeader(run));
  } catch (error) {
    throw toKubeMlError(error, `read ${run.runtime} ${run.namespace}/${run.name}`);
  }
  const text = object.metadata?.annotations?.[SPEC_ANNOTATION];
  if (!text) {
    throw new KubeMlError(
      'invalidInput',
      `${run.name} has no ${SPEC_ANNOTATION} annotation, so it cannot be re-run.`,
      'Only runs started by Kube ML can be re-run; submit it again with Run Training Job.',
    );
  }
  return JSON.parse(text) as JobSpec;
}

/** The packed code parts of a run, read back so a re-run ships the very same code. */
async function readCodeParts(session: SubmitSession, run: RunRef): Promise<Uint8Array[]> {
  const core = session.kubeConfig.makeApiClient(CoreV1Api);
  const parts: Uint8Array[] = [];
  for (let index = 0; ; index++) {
    try {
      const secret = await core.readNamespacedSecret({
        namespace: run.namespace,
        name: codePartName(run.name, index),
      });
      parts.push(Buffer.from(secret.data?.part ?? '', 'base64'));
    } catch (error) {
      if ((error as { code?: number }).code === 404) break;
      throw toKubeMlError(error, `read the packed code of ${run.namespace}/${run.name}`);
    }
  }
  if (parts.length === 0) {
    throw new KubeMlError(
      'notFound',
      `The packed code of ${run.name} is gone (its Secrets were deleted).`,
      'Run it again from the local folder with Run Training Job.',
    );
  }
  return parts;
}

/** Starts the same spec (and code) again under the next free "-rN" name. */
export async function rerun(
  session: SubmitSession,
  run: RunRef,
  existingNames: ReadonlySet<string>,
  capabilities: ClusterCapabilities,
): Promise<SubmitResult & { name: string }> {
  const original = await readRunSpec(session, run);
  const name = rerunName(run.name, existingNames);
  const codeParts =
    original.code.kind === 'packedFolder' ? await readCodeParts(session, run) : undefined;
  const result = await submitRun(session, {
    spec: { ...original, name },
    namespace: run.namespace,
    capabilities,
    codeParts,
  });
  return { ...result, name };
}

/** Rank 0 logs the metrics: the pod with completion index 0 (or the Master), else the oldest. */
export function rankZeroPod(pods: readonly V1Pod[]): V1Pod | undefined {
  const indexOf = (pod: V1Pod): number => {
    const annotation = pod.metadata?.annotations?.[COMPLETION_INDEX_ANNOTATION];
    if (annotation !== undefined) return Number(annotation);
    const role =
      pod.metadata?.labels?.['training.kubeflow.org/replica-type'] ??
      pod.metadata?.labels?.['ray.io/node-type'];
    return role === 'master' || role === 'head' ? 0 : 1;
  };
  const created = (pod: V1Pod): number => new Date(pod.metadata?.creationTimestamp ?? 0).getTime();
  return [...pods].sort((a, b) => indexOf(a) - indexOf(b) || created(b) - created(a))[0];
}

/** The current log of a run's pod (not followed), at most `limitBytes`. */
export async function readPodLog(
  session: SubmitSession,
  pod: V1Pod,
  limitBytes = 8 * 1024 * 1024,
): Promise<string> {
  const namespace = pod.metadata?.namespace ?? '';
  const name = pod.metadata?.name ?? '';
  await session.requireAccess({ verb: 'get', resource: 'pods', subresource: 'log', namespace });
  try {
    return await session.kubeConfig.makeApiClient(CoreV1Api).readNamespacedPodLog({
      namespace,
      name,
      container: pod.spec?.containers[0]?.name,
      limitBytes,
    });
  } catch (error) {
    throw toKubeMlError(error, `read logs of pod ${namespace}/${name}`);
  }
}
