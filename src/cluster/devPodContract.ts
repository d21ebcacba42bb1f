/**
 * The label/annotation contract of dev pods. The extension, the in-cluster idle reaper (a CronJob
 * script that cannot import this file: see idleReaper.ts) and other features all read these keys.
 */
/** Names the dev pod on its pod and workspace claim; the pod resolver finds a dev pod's pod by it. */
export const DEV_POD_LABEL = 'kube-ml.dev/devpod';
export const OWNER_LABEL = 'kube-ml.dev/owner';
/** ISO time of the last terminal, port-forward or attach activity (pod annotation). */
export const LAST_ACTIVITY_ANNOTATION = 'kube-ml.dev/last-activity';
/** Whole minutes of inactivity after which the pod is stopped; "0" turns it off (pod annotation). */
export const IDLE_MINUTES_ANNOTATION = 'kube-ml.dev/idle-minutes';
/** JSON StoredDefinition on the workspace PVC: what Resume recreates. */
export const DEFINITION_ANNOTATION = 'kube-ml.dev/definition';
/** ISO time and reason of the last stop (PVC annotations), shown in the view. */
export const STOPPED_AT_ANNOTATION = 'kube-ml.dev/stopped-at';
export const STOPPED_REASON_ANNOTATION = 'kube-ml.dev/stopped-reason';
/** On a workspace PVC kept by Delete (its dev pod label removed): the dev pod it belonged to. */
export const KEPT_FROM_ANNOTATION = 'kube-ml.dev/kept-from-devpod';
export const WORKSPACE_CONTAINER = 'workspace';
export const WORKSPACE_MOUNT_PATH = '/workspace';

export function workspaceClaimName(devPodName: string): string {
  return `${devPodName}-workspace`;
}

export function devPodSelector(devPodName: string): string {
  return `${DEV_POD_LABEL}=${devPodName}`;
}
