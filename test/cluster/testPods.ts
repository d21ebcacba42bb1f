// Pods the remote-access suites work against: plain sandbox pods carrying the dev-pod label.
import * as k8s from '@kubernetes/client-node';
import { sandboxKubeConfig, waitFor } from './sandbox';
import { DEV_POD_LABEL } from '../../src/cluster/devPodContract';

export async function createLabelledPod(
  namespace: string,
  name: string,
  devPod: string,
  containers = ['main'],
): Promise<k8s.V1Pod> {
  const core = sandboxKubeConfig('admin').makeApiClient(k8s.CoreV1Api);
  await core.createNamespacedPod({
    namespace,
    body: {
      metadata: { name, labels: { [DEV_POD_LABEL]: devPod } },
      spec: {
        containers: containers.map((container) => ({
          name: container,
          image: 'python:3.11',
          ports: [{ containerPort: 8888, name: 'jupyter' }],
        })),
        terminationGracePeriodSeconds: 0,
      },
    },
  });
  return waitFor(
    async () => {
      const pod = await core.readNamespacedPod({ namespace, name });
      return pod.status?.phase === 'Running' &&
        pod.status.containerStatuses?.every((status) => status.state?.running)
        ? pod
        : undefined;
    },
    30_000,
    `pod ${namespace}/${name} running`,
  );
}

export async function deletePodAndWait(namespace: string, name: string): Promise<void> {
  const core = sandboxKubeConfig('admin').makeApiClient(k8s.CoreV1Api);
  await core.deleteNamespacedPod({ namespace, name, gracePeriodSeconds: 0 });
  await waitFor(
    async () => {
      try {
        await core.readNamespacedPod({ namespace, name });
        return false;
      } catch (error) {
        return (error as { code?: number }).code === 404;
      }
    },
    30_000,
    `pod ${namespace}/${name} gone`,
  );
}
