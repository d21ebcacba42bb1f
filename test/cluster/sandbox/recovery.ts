// After a fault in the sandbox's control plane: the checks that say it works again end to end, not
// only that its processes run (a restarted scheduler or controller-manager first waits for the
// old lease to expire).
import * as k8s from '@kubernetes/client-node';
import { up } from '../../../scripts/sandbox/cluster';
import { createTestNamespace, sandboxKubeConfig, waitFor } from '../sandbox';

/** A throwaway namespace whose default ServiceAccount exists (pods need it; a restarted controller-manager makes it late). */
export async function createNamespaceWithServiceAccount(prefix: string): Promise<string> {
  const namespace = await createTestNamespace(prefix);
  const core = sandboxKubeConfig('admin').makeApiClient(k8s.CoreV1Api);
  await waitFor(
    () => core.readNamespacedServiceAccount({ namespace, name: 'default' }),
    120_000,
    `the default ServiceAccount of ${namespace}`,
  );
  return namespace;
}

/**
 * Brings back whatever the fault took down with it, then proves the whole chain works again for a
 * new pod (a restarted scheduler first waits for the old lease to expire): scheduled, stand-ins
 * made by the agent, Running and Ready.
 */
export async function sandboxHealthy(namespace: string): Promise<void> {
  await up();
  const core = sandboxKubeConfig('admin').makeApiClient(k8s.CoreV1Api);
  const name = `probe-${Date.now().toString(36)}`;
  await core.createNamespacedPod({
    namespace,
    body: {
      metadata: { name },
      spec: { containers: [{ name: 'main', image: 'busybox' }], terminationGracePeriodSeconds: 0 },
    },
  });
  await waitFor(
    async () => {
      const pod = await core.readNamespacedPod({ namespace, name });
      return pod.status?.conditions?.some(
        (condition) => condition.type === 'Ready' && condition.status === 'True',
      );
    },
    120_000,
    'a new pod to be scheduled and become Ready after the fault',
  );
  await core.deleteNamespacedPod({ namespace, name, gracePeriodSeconds: 0 });
}
