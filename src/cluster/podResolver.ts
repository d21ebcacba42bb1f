import {
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
  type KubernetesObject,
  type V1Pod,
} from '@kubernetes/client-node';
import type { ClusterSession } from './session';
import { KubeMlError, toKubeMlError } from './errors';
import { DEV_POD_LABEL } from './devPodContract';
import {
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  type ControllerRef,
  type WorkloadRef,
} from './workloadRef';

/** The dev pod a pod is, when it is one: its label must name the pod itself (anyone can copy a label). */
export function devPodNameOf(pod: V1Pod): string | undefined {
  const name = pod.metadata?.labels?.[DEV_POD_LABEL];
  return name !== undefined && name === pod.metadata?.name ? name : undefined;
}

/**
 * The pod to exec into, read files from or forward to. Never "whatever carries these labels":
 * anyone who may create pods in the namespace can set labels. So either a pod by its exact name
 * (a dev pod's pod is named after it), or the pods behind a selector that `controller`, an object
 * we manage, controls through ownerReferences.
 */
export interface PodTarget {
  readonly namespace: string;
  readonly podName?: string;
  readonly podSelector?: string;
  readonly controller?: ControllerRef;
}

/** How a workload's pod is found: dev pods and plain pods by name, the others through their controller. */
export function podTargetOf(workload: WorkloadRef): PodTarget {
  if (workload.kind === 'DevPod' || workload.kind === 'Pod')
    return { namespace: workload.namespace, podName: workload.name };
  return {
    namespace: workload.namespace,
    podSelector: workload.podSelector,
    controller: workload.controller,
  };
}

/** A pod we may exec into or forward to: running, every container started, not being deleted. */
export function isUsablePod(pod: V1Pod): boolean {
  if (pod.metadata?.deletionTimestamp || pod.status?.phase !== 'Running') {
    return false;
  }
  const statuses = pod.status?.containerStatuses ?? [];
  return statuses.length === 0 || statuses.every((status) => status.state?.running !== undefined);
}

/** The newest usable pod first: after a recreation the replacement wins over a lingering old one. */
export function pickRunningPod(pods: readonly V1Pod[]): V1Pod | undefined {
  const created = (pod: V1Pod): number => new Date(pod.metadata?.creationTimestamp ?? 0).getTime();
  return pods.filter(isUsablePod).sort((a, b) => created(b) - created(a))[0];
}

/** By shape, not instanceof: extension-host tests bundle their own copy of client-node's classes. */
function kubeConfigOf(source: ClusterSession | KubeConfig): KubeConfig {
  return 'kubeConfig' in source ? source.kubeConfig : source;
}

function describe(target: PodTarget): string {
  return target.podName !== undefined
    ? `pod ${target.namespace}/${target.podName}`
    : `${target.controller?.kind ?? 'workload'} ${target.namespace}/${target.controller?.name ?? target.podSelector}`;
}

function notRunning(target: PodTarget, pods: readonly V1Pod[], ignored: number): KubeMlError {
  const phases = pods.map(
    (candidate) =>
      `${candidate.metadata?.name} is ${candidate.metadata?.deletionTimestamp ? 'terminating' : (candidate.status?.phase ?? 'unknown')}`,
  );
  const foreign =
    ignored > 0
      ? `; ${ignored} other pod(s) carry its labels but belong to something else and were ignored`
      : '';
  return new KubeMlError(
    'notFound',
    `No running pod of ${describe(target)}${phases.length ? ` (${phases.join(', ')})` : ''}${foreign}.`,
    phases.length
      ? 'Wait until the pod is running and retry.'
      : 'Start (or resume) the workload first, then retry.',
  );
}

/** Up to this many controllers between a pod and its workload (Pod <- ReplicaSet <- Deployment <- InferenceService). */
const MAX_OWNER_DEPTH = 4;

/**
 * True when the chain of controller ownerReferences from `pod` reaches the object whose uid is
 * `workloadUid`. Each hop is read back and must have the uid its reference names, so a reference
 * to a deleted-and-recreated object of the same name does not count.
 */
async function isControlledBy(
  objects: KubernetesObjectApi,
  pod: V1Pod,
  workloadUid: string,
): Promise<boolean> {
  let current: KubernetesObject = pod;
  for (let depth = 0; depth < MAX_OWNER_DEPTH; depth++) {
    const reference = current.metadata?.ownerReferences?.find((owner) => owner.controller === true);
    if (!reference) return false;
    if (reference.uid === workloadUid) return true;
    try {
      current = await objects.read({
        apiVersion: reference.apiVersion,
        kind: reference.kind,
        metadata: { name: reference.name, namespace: pod.metadata?.namespace },
      });
    } catch (error) {
      if ((error as { code?: number }).code === 404) return false;
      throw toKubeMlError(
        error,
        `read ${reference.kind} ${pod.metadata?.namespace}/${reference.name}`,
      );
    }
    if (current.metadata?.uid !== reference.uid) return false;
  }
  return false;
}

async function readController(
  objects: KubernetesObjectApi,
  namespace: string,
  controller: ControllerRef,
): Promise<KubernetesObject> {
  let object: KubernetesObject;
  try {
    object = await objects.read({
      apiVersion: controller.apiVersion,
      kind: controller.kind,
      metadata: { name: controller.name, namespace },
    });
  } catch (error) {
    throw toKubeMlError(error, `read ${controller.kind} ${namespace}/${controller.name}`);
  }
  if (object.metadata?.labels?.[MANAGED_BY_LABEL] !== MANAGED_BY_VALUE) {
    throw new KubeMlError(
      'invalidInput',
      `${controller.kind} ${namespace}/${controller.name} was not created by Kube ML Workbench, so Kube ML does not connect to its pods.`,
      `Its ${MANAGED_BY_LABEL} label is not ${MANAGED_BY_VALUE}.`,
    );
  }
  return object;
}

/**
 * Tells `target`'s own pods from look-alikes: a pod by its exact name, else one that `target`'s
 * controller controls through ownerReferences (the controller is read once, here).
 */
export async function podIdentity(
  source: ClusterSession | KubeConfig,
  target: PodTarget,
): Promise<(pod: V1Pod) => Promise<boolean>> {
  const { podName, controller } = target;
  if (podName !== undefined) return async (pod) => pod.metadata?.name === podName;
  if (!controller) {
    throw new KubeMlError(
      'invalidInput',
      `Pods labelled "${target.podSelector ?? ''}" name no controlling workload, so Kube ML cannot tell ours from look-alikes.`,
    );
  }
  const objects = KubernetesObjectApi.makeApiClient(kubeConfigOf(source));
  const workloadUid =
    (await readController(objects, target.namespace, controller)).metadata?.uid ?? '';
  return (pod) => isControlledBy(objects, pod, workloadUid);
}

/** The pods behind `target`'s selector that are its own, running or not, and how many look-alikes were left out. */
export async function listOwnPods(
  source: ClusterSession | KubeConfig,
  target: PodTarget & { podSelector: string },
): Promise<{ own: V1Pod[]; ignored: number }> {
  const isOwn = await podIdentity(source, { ...target, podName: undefined });
  let pods: V1Pod[];
  try {
    pods = (
      await kubeConfigOf(source)
        .makeApiClient(CoreV1Api)
        .listNamespacedPod({ namespace: target.namespace, labelSelector: target.podSelector })
    ).items;
  } catch (error) {
    throw toKubeMlError(error, `list pods matching ${target.podSelector} in ${target.namespace}`);
  }
  const own: V1Pod[] = [];
  for (const pod of pods) {
    if (await isOwn(pod)) own.push(pod);
  }
  return { own, ignored: pods.length - own.length };
}

/** The running pod of a workload's controller, among the pods behind its selector. */
async function resolveControlledPod(
  kubeConfig: KubeConfig,
  target: PodTarget & { podSelector: string },
): Promise<V1Pod> {
  const { own, ignored } = await listOwnPods(kubeConfig, target);
  const pod = pickRunningPod(own);
  if (pod) return pod;
  throw notRunning(target, own, ignored);
}

/**
 * The running pod `target` names, asked from the API server each time (dev pods are recreated
 * under the same name, controllers replace their pods).
 */
export async function resolveRunningPod(
  source: ClusterSession | KubeConfig,
  target: PodTarget,
): Promise<V1Pod> {
  const kubeConfig = kubeConfigOf(source);
  if (target.podName !== undefined) {
    const pod = await readPod(kubeConfig, target.namespace, target.podName).catch(
      (error: unknown) => {
        if ((error as KubeMlError).kind === 'notFound') throw notRunning(target, [], 0);
        throw error;
      },
    );
    if (isUsablePod(pod)) return pod;
    throw notRunning(target, [pod], 0);
  }
  if (target.podSelector !== undefined)
    return resolveControlledPod(kubeConfig, { ...target, podSelector: target.podSelector });
  throw new KubeMlError(
    'invalidInput',
    `Nothing names the pod to reach in namespace ${target.namespace}.`,
  );
}

/** Reads one pod by name; a KubeMlError when it is gone. */
export async function readPod(
  source: ClusterSession | KubeConfig,
  namespace: string,
  name: string,
): Promise<V1Pod> {
  try {
    return await kubeConfigOf(source)
      .makeApiClient(CoreV1Api)
      .readNamespacedPod({ namespace, name });
  } catch (error) {
    throw toKubeMlError(error, `read pod ${namespace}/${name}`);
  }
}
