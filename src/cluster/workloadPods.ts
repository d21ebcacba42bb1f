/**
 * The pods behind a workload, resolved fresh on every use (pods come and go). Shared by the log
 * viewer and the GPU metrics panel. No vscode import.
 */
import { AppsV1Api, CoreV1Api, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { KubeMlError, toKubeMlError } from '../cluster/errors';
import { containerGpus } from '../cluster/gpu/requests';
import { listOwnPods, podTargetOf } from '../cluster/podResolver';
import type { WorkloadRef } from '../cluster/workloadRef';

function selectorFromLabels(labels: Record<string, string> | undefined): string | undefined {
  const entries = Object.entries(labels ?? {});
  return entries.length === 0
    ? undefined
    : entries.map(([key, value]) => `${key}=${value}`).join(',');
}

/** The label selector of the workload's pods (undefined for a single pod). */
export async function podSelectorOf(
  kubeConfig: KubeConfig,
  workload: WorkloadRef,
): Promise<string | undefined> {
  if (workload.podSelector) return workload.podSelector;
  switch (workload.kind) {
    case 'Job':
      return `batch.kubernetes.io/job-name=${workload.name}`;
    case 'Deployment':
    case 'Endpoint': {
      try {
        const deployment = await kubeConfig
          .makeApiClient(AppsV1Api)
          .readNamespacedDeployment({ name: workload.name, namespace: workload.namespace });
        const selector = selectorFromLabels(deployment.spec?.selector?.matchLabels);
        if (selector) return selector;
      } catch (error) {
        throw toKubeMlError(error, `read deployment ${workload.namespace}/${workload.name}`);
      }
      throw new KubeMlError(
        'unknown',
        `Deployment ${workload.namespace}/${workload.name} has no matchLabels selector.`,
      );
    }
    default:
      return undefined;
  }
}

/** True when `labels` satisfy an equality-based selector ("a=b,c=d"; "a==b" and "a!=b" too). */
export function matchesSelector(
  selector: string,
  labels: Readonly<Record<string, string>> | undefined,
): boolean {
  return selector
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .every((requirement) => {
      const notEqual = /^([^!=]+)!=(.*)$/.exec(requirement);
      if (notEqual) return labels?.[notEqual[1].trim()] !== notEqual[2].trim();
      const equal = /^([^!=]+)==?(.*)$/.exec(requirement);
      if (equal) return labels?.[equal[1].trim()] === equal[2].trim();
      return labels?.[requirement] !== undefined;
    });
}

export async function resolveWorkloadPods(
  kubeConfig: KubeConfig,
  workload: WorkloadRef,
): Promise<V1Pod[]> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  if (workload.kind === 'Node') {
    const operation = `list pods on node ${workload.name}`;
    try {
      return (
        await core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${workload.name}` })
      ).items;
    } catch (error) {
      throw toKubeMlError(error, operation);
    }
  }
  const target = podTargetOf(workload);
  if (target.podName === undefined) {
    const podSelector = await podSelectorOf(kubeConfig, workload);
    if (podSelector === undefined)
      throw new KubeMlError(
        'invalidInput',
        `${workload.kind} ${workload.namespace}/${workload.name} names no pods.`,
      );
    // Labels alone prove nothing: only the pods its controller owns are the workload's.
    const { own } = await listOwnPods(kubeConfig, { ...target, podSelector });
    return own.sort((left, right) =>
      (left.metadata?.name ?? '').localeCompare(right.metadata?.name ?? ''),
    );
  }
  try {
    return [await core.readNamespacedPod({ name: target.podName, namespace: workload.namespace })];
  } catch (error) {
    const failure = toKubeMlError(error, `read pod ${workload.namespace}/${workload.name}`);
    // A stopped dev pod has no pod: none, as a selector would have found.
    if (failure.kind === 'notFound') return [];
    throw failure;
  }
}

/** The container to exec nvidia-smi in: the preferred one, else the first that requests GPUs. */
export function gpuContainerOf(pod: V1Pod, preferred?: string): string | undefined {
  const containers = pod.spec?.containers ?? [];
  if (preferred && containers.some((container) => container.name === preferred)) return preferred;
  const withGpu = containers.find((container) => containerGpus(container) > 0);
  return (withGpu ?? containers[0])?.name;
}
