// Helpers every cluster suite shares: the sandbox's kubeconfig, its static identities, throwaway
// namespaces and a polling wait. The sandbox itself is started (or reused) by test/cluster/setup.ts.
// The signed-in (exec plugin) user's helpers are in test/deviceSignIn.ts.
import * as k8s from '@kubernetes/client-node';
import {
  ADMIN_CONTEXT,
  DEVELOPER_CONTEXT,
  KUBECONFIG_PATH,
  LOOPBACK,
  NAMESPACE_ONLY_CONTEXT,
  NAMESPACE_ONLY_NAMESPACE,
  PORTS,
  SSO_CONTEXT,
} from '../../scripts/sandbox/paths';
import { SSO_GROUP } from '../../scripts/sandbox/signIn';

export {
  ADMIN_CONTEXT,
  DEVELOPER_CONTEXT,
  NAMESPACE_ONLY_CONTEXT,
  NAMESPACE_ONLY_NAMESPACE,
  SSO_CONTEXT,
};
export const SANDBOX_KUBECONFIG = KUBECONFIG_PATH;
export const DEVELOPER_SERVICE_ACCOUNT = { namespace: 'ml-team', name: 'developer' };
/** Label every namespace made by createTestNamespace carries, so leftovers can be found. */
export const TEST_NAMESPACE_LABEL = 'sandbox.kube-ml.dev/test-namespace';

/** The identities a test can use without signing in (the SSO user signs in through its plugin). */
export type SandboxIdentity = 'admin' | 'developer' | 'namespace-only';

const CONTEXT_OF: Record<SandboxIdentity, string> = {
  admin: ADMIN_CONTEXT,
  developer: DEVELOPER_CONTEXT,
  'namespace-only': NAMESPACE_ONLY_CONTEXT,
};

export function sandboxContext(identity: SandboxIdentity): string {
  return CONTEXT_OF[identity];
}

export function sandboxKubeConfig(identity: SandboxIdentity = 'admin'): k8s.KubeConfig {
  const kubeConfig = new k8s.KubeConfig();
  kubeConfig.loadFromFile(SANDBOX_KUBECONFIG);
  kubeConfig.setCurrentContext(sandboxContext(identity));
  return kubeConfig;
}

/**
 * Creates a namespace with a unique name starting with `prefix`, labelled as a test namespace,
 * where the developer ServiceAccount and the signed-in SSO group have the same `edit` rights as in ml-team.
 */
export async function createTestNamespace(prefix: string): Promise<string> {
  const core = sandboxKubeConfig('admin').makeApiClient(k8s.CoreV1Api);
  const rbac = sandboxKubeConfig('admin').makeApiClient(k8s.RbacAuthorizationV1Api);
  const base =
    prefix
      .toLowerCase()
      .replace(/[^a-z0-9-]/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'test';
  const name = `${base}-${Date.now().toString(36)}${Math.floor(Math.random() * 1296)
    .toString(36)
    .padStart(2, '0')}`;
  await core.createNamespace({
    body: { metadata: { name, labels: { [TEST_NAMESPACE_LABEL]: 'true' } } },
  });
  await rbac.createNamespacedRoleBinding({
    namespace: name,
    body: {
      metadata: { name: 'developer-edit' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' },
      subjects: [
        { kind: 'ServiceAccount', ...DEVELOPER_SERVICE_ACCOUNT },
        { kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: SSO_GROUP },
      ],
    },
  });
  return name;
}

/** Deletes a namespace made by createTestNamespace; does not wait for finalization. */
export async function deleteTestNamespace(name: string): Promise<void> {
  const core = sandboxKubeConfig('admin').makeApiClient(k8s.CoreV1Api);
  try {
    await core.deleteNamespace({ name, propagationPolicy: 'Background', gracePeriodSeconds: 0 });
  } catch (error) {
    if ((error as { code?: number }).code !== 404) throw error;
  }
}

/**
 * Compacts the sandbox's etcd up to its current revision, as the API server does on its own every
 * five minutes: watches from older resourceVersions then answer 410 Gone, whatever the cluster's age.
 */
export async function compactEtcd(): Promise<void> {
  const etcd = `http://${LOOPBACK}:${PORTS.etcd}/v3/kv`;
  const range = await fetch(`${etcd}/range`, {
    method: 'POST',
    body: JSON.stringify({ key: 'AA==' }),
  });
  const revision = ((await range.json()) as { header: { revision: string } }).header.revision;
  const compaction = await fetch(`${etcd}/compaction`, {
    method: 'POST',
    body: JSON.stringify({ revision, physical: true }),
  });
  if (!compaction.ok)
    throw new Error(
      `etcd compaction to revision ${revision} failed: ${compaction.status} ${await compaction.text()}`,
    );
}

import { waitFor } from '../waitFor';

export { waitFor };

/** Resolves with the pod once its phase is one of `phases` (default Running). */
export async function waitForPodPhase(
  namespace: string,
  name: string,
  timeoutMs = 30000,
  phases: string[] = ['Running'],
): Promise<k8s.V1Pod> {
  const core = sandboxKubeConfig('admin').makeApiClient(k8s.CoreV1Api);
  return waitFor(
    async () => {
      const pod = await core.readNamespacedPod({ namespace, name });
      return phases.includes(pod.status?.phase ?? '') ? pod : undefined;
    },
    timeoutMs,
    `pod ${namespace}/${name} to reach ${phases.join(' or ')}`,
  );
}

/** Tolerations that let a pod land on the sandbox's tainted GPU nodes. */
export const GPU_TOLERATIONS: k8s.V1Toleration[] = [
  { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' },
];
