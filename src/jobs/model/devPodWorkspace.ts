import type { V1Pod } from '@kubernetes/client-node';
import { KubeMlError } from '../../cluster/errors';
import { DEV_POD_LABEL } from '../../cluster/devPodContract';

export interface DevPodWorkspace {
  readonly devPod: string;
  readonly namespace: string;
  readonly image: string | undefined;
  readonly claimName: string;
  readonly mountPath: string;
}

/** Dev pods of a namespace with their workspace claim (the first PVC the main container mounts). */
export function devPodWorkspaces(pods: readonly V1Pod[], namespace: string): DevPodWorkspace[] {
  const byName = new Map<string, DevPodWorkspace>();
  for (const pod of pods) {
    const devPod = pod.metadata?.labels?.[DEV_POD_LABEL];
    if (!devPod || pod.metadata?.namespace !== namespace || pod.metadata?.deletionTimestamp)
      continue;
    const container = pod.spec?.containers[0];
    for (const volume of pod.spec?.volumes ?? []) {
      const claimName = volume.persistentVolumeClaim?.claimName;
      const mount = container?.volumeMounts?.find((candidate) => candidate.name === volume.name);
      if (claimName && mount) {
        byName.set(devPod, {
          devPod,
          namespace,
          image: container?.image,
          claimName,
          mountPath: mount.mountPath,
        });
        break;
      }
    }
  }
  return [...byName.values()].sort((a, b) => a.devPod.localeCompare(b.devPod));
}

/** The named dev pod's workspace, or an error that lists the dev pods there are. */
export function requireDevPodWorkspace(
  pods: readonly V1Pod[],
  namespace: string,
  devPod: string,
): DevPodWorkspace {
  const all = devPodWorkspaces(pods, namespace);
  const found = all.find((workspace) => workspace.devPod === devPod);
  if (!found) {
    throw new KubeMlError(
      'notFound',
      `No dev pod "${devPod}" with a workspace volume is running in namespace ${namespace}${all.length ? ` (dev pods with volumes: ${all.map((workspace) => workspace.devPod).join(', ')})` : ''}.`,
      'Create or resume the dev pod first, or pack the local folder instead.',
    );
  }
  return found;
}
