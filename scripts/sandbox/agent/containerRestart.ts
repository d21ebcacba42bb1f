// Simulated container restarts: a pod annotated `sandbox.kube-ml.dev/restart-container:
// <container>@<n>` gets that container restarted (its log ended with "Killed" and moved to the
// previous-log file, a fresh log started, restartCount + 1) while its restartCount is below n, so
// tests can exercise `logs --previous` and followers across a restart without a real kubelet.
import type * as k8s from '@kubernetes/client-node';

export const RESTART_CONTAINER_ANNOTATION = 'sandbox.kube-ml.dev/restart-container';
/** What the killed instance reports, as a kubelet does for a SIGKILLed process. */
export const RESTART_EXIT_CODE = 137;
export const RESTART_REASON = 'Error';

export interface RestartRequest {
  container: string;
  /** The restartCount the container should reach. */
  restartCount: number;
}

/** Parses `<container>@<n>` (n >= 1); undefined for anything else. */
export function parseRestartRequest(value: string | undefined): RestartRequest | undefined {
  const match = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)@([1-9][0-9]{0,5})$/.exec(value?.trim() ?? '');
  return match ? { container: match[1], restartCount: Number(match[3]) } : undefined;
}

/**
 * The container to restart now, or undefined. `alreadyDone` is the count the agent reached itself
 * (its own status patch may not have come back through the watch yet), so one request restarts once.
 */
export function containerToRestart(
  pod: k8s.V1Pod,
  alreadyDone: (container: string) => number,
): string | undefined {
  if (pod.status?.phase !== 'Running' || pod.metadata?.deletionTimestamp) return undefined;
  const request = parseRestartRequest(pod.metadata?.annotations?.[RESTART_CONTAINER_ANNOTATION]);
  if (!request) return undefined;
  const status = pod.status.containerStatuses?.find(
    (candidate) => candidate.name === request.container,
  );
  if (!status?.state?.running) return undefined;
  return Math.max(status.restartCount, alreadyDone(request.container)) < request.restartCount
    ? request.container
    : undefined;
}

/**
 * JSON patch for the pod status after `container` restarted at `now`, the way a kubelet reports
 * it: restartCount + 1, lastState.terminated of the killed instance, state.running from now.
 * The `test` op makes the patch fail rather than clobber a status that changed meanwhile.
 */
export function restartedStatusPatch(
  pod: k8s.V1Pod,
  container: string,
  now = new Date(),
): object[] {
  const statuses = pod.status?.containerStatuses ?? [];
  const index = statuses.findIndex((status) => status.name === container);
  if (index === -1)
    throw new Error(
      `pod ${pod.metadata?.namespace}/${pod.metadata?.name} has no status for container ${container}`,
    );
  const previous = statuses[index];
  const at = now.toISOString();
  const startedAt = previous.state?.running?.startedAt ?? pod.status?.startTime ?? now;
  return [
    {
      op: 'test',
      path: `/status/containerStatuses/${index}/restartCount`,
      value: previous.restartCount,
    },
    {
      op: 'replace',
      path: `/status/containerStatuses/${index}`,
      value: {
        ...previous,
        ready: true,
        started: true,
        restartCount: previous.restartCount + 1,
        lastState: {
          terminated: {
            exitCode: RESTART_EXIT_CODE,
            reason: RESTART_REASON,
            startedAt: new Date(startedAt).toISOString(),
            finishedAt: at,
          },
        },
        state: { running: { startedAt: at } },
      },
    },
  ];
}
