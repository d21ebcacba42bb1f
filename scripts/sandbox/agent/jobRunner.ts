// Finishes Job-owned pods: kwok's pod-complete stage is left out of the sandbox's stages (see
// kwokConfig.ts), so a Job pod stays Running until the agent patches its status to Succeeded (or
// Failed with the exit code of `sandbox.kube-ml.dev/exit-code`) `run-seconds` after it started.
import * as k8s from '@kubernetes/client-node';

export const RUN_SECONDS_ANNOTATION = 'sandbox.kube-ml.dev/run-seconds';
export const EXIT_CODE_ANNOTATION = 'sandbox.kube-ml.dev/exit-code';
export const DEFAULT_RUN_SECONDS = 20;

export function isJobPod(pod: k8s.V1Pod): boolean {
  return (pod.metadata?.ownerReferences ?? []).some((owner) => owner.kind === 'Job');
}

export function runSeconds(pod: k8s.V1Pod): number {
  const value = Number(pod.metadata?.annotations?.[RUN_SECONDS_ANNOTATION] ?? DEFAULT_RUN_SECONDS);
  return Number.isFinite(value) && value >= 0 ? value : DEFAULT_RUN_SECONDS;
}

export function exitCode(pod: k8s.V1Pod): number {
  const value = Number(pod.metadata?.annotations?.[EXIT_CODE_ANNOTATION] ?? 0);
  return Number.isInteger(value) ? value : 1;
}

/** Milliseconds until the pod should finish (0 when overdue). */
export function msUntilFinish(pod: k8s.V1Pod, now = Date.now()): number {
  const started = pod.status?.startTime ? new Date(pod.status.startTime).getTime() : now;
  return Math.max(0, started + runSeconds(pod) * 1000 - now);
}

export function finishedStatusPatch(pod: k8s.V1Pod, code: number, now = new Date()): object[] {
  const finishedAt = now.toISOString();
  const reason = code === 0 ? 'Completed' : 'Error';
  const containerStatuses = (pod.spec?.containers ?? []).map((container) => {
    const previous = pod.status?.containerStatuses?.find(
      (status) => status.name === container.name,
    );
    return {
      name: container.name,
      image: container.image ?? '',
      imageID: previous?.imageID ?? '',
      ready: false,
      started: false,
      restartCount: previous?.restartCount ?? 0,
      state: {
        terminated: {
          exitCode: code,
          reason,
          startedAt: previous?.state?.running?.startedAt ?? pod.status?.startTime ?? finishedAt,
          finishedAt,
        },
      },
    };
  });
  const conditions = (pod.status?.conditions ?? []).map((condition) =>
    condition.type === 'Ready' || condition.type === 'ContainersReady'
      ? { ...condition, status: 'False', reason: 'PodCompleted', lastTransitionTime: finishedAt }
      : condition,
  );
  return [
    { op: 'add', path: '/status/phase', value: code === 0 ? 'Succeeded' : 'Failed' },
    { op: 'add', path: '/status/containerStatuses', value: containerStatuses },
    { op: 'add', path: '/status/conditions', value: conditions },
  ];
}

export async function finishJobPod(core: k8s.CoreV1Api, pod: k8s.V1Pod): Promise<number> {
  const code = exitCode(pod);
  await core.patchNamespacedPodStatus({
    name: pod.metadata?.name ?? '',
    namespace: pod.metadata?.namespace ?? '',
    body: finishedStatusPatch(pod, code),
  });
  return code;
}
