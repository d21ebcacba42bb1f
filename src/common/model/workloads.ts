import type { V1Pod } from '@kubernetes/client-node';
import { devPodSelector } from '../../cluster/devPodContract';
import { devPodNameOf, isUsablePod } from '../../cluster/podResolver';
import type { WorkloadRef } from '../../cluster/workloadRef';

/** Containers a user may open a shell in, the workload's preferred one first. */
export function containerNames(pod: V1Pod, preferred?: string): string[] {
  const names = (pod.spec?.containers ?? []).map((container) => container.name);
  return preferred && names.includes(preferred)
    ? [preferred, ...names.filter((name) => name !== preferred)]
    : names;
}

/** The workload a running pod belongs to: its dev pod when it is one, else the pod itself. */
export function workloadOfPod(pod: V1Pod): WorkloadRef {
  const namespace = pod.metadata?.namespace ?? 'default';
  const devPod = devPodNameOf(pod);
  if (devPod) {
    return { kind: 'DevPod', namespace, name: devPod, podSelector: devPodSelector(devPod) };
  }
  return { kind: 'Pod', namespace, name: pod.metadata?.name ?? '' };
}

/** Running workloads in `namespace` for the palette's quick pick, dev pods first, each once. */
export function runningWorkloads(pods: readonly V1Pod[], namespace: string): WorkloadRef[] {
  const seen = new Set<string>();
  const workloads: WorkloadRef[] = [];
  for (const pod of pods) {
    if (pod.metadata?.namespace !== namespace || !isUsablePod(pod)) continue;
    const workload = workloadOfPod(pod);
    const key = `${workload.kind}/${workload.name}`;
    if (seen.has(key)) continue;
    seen.add(key);
    workloads.push(workload);
  }
  return workloads.sort((a, b) =>
    a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind === 'DevPod' ? -1 : 1,
  );
}
