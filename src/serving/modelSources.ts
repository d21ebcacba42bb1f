import { CoreV1Api, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { KubeMlError, toKubeMlError } from '../cluster/errors';
import { DEV_POD_LABEL } from '../cluster/devPodContract';
import type { ModelVolume } from './model/spec';

/** Dev pods of the namespace (their pods carry kube-ml.dev/devpod=<name>), newest first. */
export async function listDevPods(kubeConfig: KubeConfig, namespace: string): Promise<V1Pod[]> {
  try {
    const pods = await kubeConfig
      .makeApiClient(CoreV1Api)
      .listNamespacedPod({ namespace, labelSelector: DEV_POD_LABEL });
    return pods.items
      .filter((pod) => !pod.metadata?.deletionTimestamp)
      .sort((a, b) =>
        String(b.metadata?.creationTimestamp ?? '').localeCompare(
          String(a.metadata?.creationTimestamp ?? ''),
        ),
      );
  } catch (error) {
    throw toKubeMlError(error, `list dev pods in ${namespace}`);
  }
}

/** The PVC-backed mounts of a pod: where each workspace volume appears inside it. */
export function volumeMountsOf(pod: V1Pod): { claimName: string; mountPath: string }[] {
  const claims = new Map(
    (pod.spec?.volumes ?? [])
      .filter((volume) => volume.persistentVolumeClaim)
      .map((volume) => [volume.name, volume.persistentVolumeClaim!.claimName]),
  );
  const mounts: { claimName: string; mountPath: string }[] = [];
  for (const container of pod.spec?.containers ?? []) {
    for (const mount of container.volumeMounts ?? []) {
      const claimName = claims.get(mount.name);
      if (claimName && !mount.subPath)
        mounts.push({ claimName, mountPath: mount.mountPath.replace(/\/+$/, '') || '/' });
    }
  }
  return mounts;
}

/**
 * Translates a path inside a dev pod (absolute, e.g. /workspace/out/llama, or relative to its
 * first workspace mount) into the volume and path within it, mounted read-only for serving.
 */
export function devPodModelVolume(pod: V1Pod, pathInPod: string): ModelVolume {
  const mounts = volumeMountsOf(pod);
  const devPod = pod.metadata?.labels?.[DEV_POD_LABEL] ?? pod.metadata?.name ?? 'dev pod';
  if (mounts.length === 0)
    throw new KubeMlError(
      'invalidInput',
      `Dev pod ${devPod} has no workspace volume, so its files cannot be served.`,
      'Upload the model from a local folder instead.',
    );
  const clean = pathInPod.trim().replace(/\/+$/, '');
  if (!clean.startsWith('/'))
    return { claimName: mounts[0].claimName, path: clean.replace(/^\.\//, ''), readOnly: true };
  const mount = mounts
    .filter(
      (candidate) =>
        clean === candidate.mountPath ||
        clean.startsWith(`${candidate.mountPath === '/' ? '' : candidate.mountPath}/`),
    )
    .sort((a, b) => b.mountPath.length - a.mountPath.length)[0];
  if (!mount) {
    throw new KubeMlError(
      'invalidInput',
      `${pathInPod} is not on a volume of dev pod ${devPod}; only ${mounts.map((candidate) => candidate.mountPath).join(', ')} survive the pod.`,
      'Save the model under the workspace folder, or copy it there.',
    );
  }
  return {
    claimName: mount.claimName,
    path: clean.slice(mount.mountPath.length).replace(/^\/+/, ''),
    readOnly: true,
  };
}
