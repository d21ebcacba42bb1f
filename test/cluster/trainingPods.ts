// Pods the log and GPU metrics suites follow and sample: sandbox pods print a growing Trainer log and
// answer nvidia-smi with as many GPUs as they request.
import * as k8s from '@kubernetes/client-node';
import { sandboxKubeConfig, waitFor } from './sandbox';

export async function createTrainingPod(
  namespace: string,
  name: string,
  gpus: number,
  labels: Record<string, string> = {},
  nodeName?: string,
  owner?: k8s.V1OwnerReference,
): Promise<k8s.V1Pod> {
  const core = sandboxKubeConfig('admin').makeApiClient(k8s.CoreV1Api);
  const resources =
    gpus > 0
      ? { limits: { 'nvidia.com/gpu': String(gpus) }, requests: { cpu: '100m' } }
      : { requests: { cpu: '100m' } };
  await core.createNamespacedPod({
    namespace,
    body: {
      metadata: {
        name,
        labels: { app: 'obs-test', ...labels },
        ownerReferences: owner ? [owner] : undefined,
      },
      spec: {
        nodeName,
        tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
        containers: [
          { name: 'trainer', image: 'pytorch/pytorch:2.4.1-cuda12.4-cudnn9-runtime', resources },
        ],
      },
    },
  });
  return waitFor(
    async () => {
      const pod = await core.readNamespacedPod({ name, namespace });
      return pod.status?.phase === 'Running' ? pod : undefined;
    },
    30_000,
    `pod ${namespace}/${name} running`,
  );
}

/** The whole current log of a container, with timestamps, read in one request (as kubectl would). */
export async function readFullLog(
  namespace: string,
  pod: string,
  container: string,
): Promise<string[]> {
  const core = sandboxKubeConfig('admin').makeApiClient(k8s.CoreV1Api);
  const text = await core.readNamespacedPodLog({
    name: pod,
    namespace,
    container,
    timestamps: true,
  });
  return text.split('\n').filter((line) => line.length > 0);
}
