// The objects every sandbox starts with: GPU node pools labelled the way the NVIDIA GPU operator
// labels real nodes, the ml-team / ml-restricted / ml-solo namespaces, the users' RBAC (the
// developer, the signed-in SSO group, the namespace-only user) and a default StorageClass served
// by the agent's provisioner.
import * as k8s from '@kubernetes/client-node';
import { NAMESPACE_ONLY_NAMESPACE } from './paths';
import { SSO_GROUP } from './signIn';

export const STORAGE_CLASS = 'sandbox-hostpath';
export const PROVISIONER_NAME = 'sandbox.kube-ml.dev/hostpath';
/** A ServiceAccount whose token is a `kubernetes.io/service-account-token` Secret (it does not expire). */
export interface StaticIdentity {
  namespace: string;
  serviceAccount: string;
  tokenSecret: string;
}
export const DEVELOPER: StaticIdentity = {
  namespace: 'ml-team',
  serviceAccount: 'developer',
  tokenSecret: 'developer-token',
};
export const NAMESPACE_ONLY_USER: StaticIdentity = {
  namespace: NAMESPACE_ONLY_NAMESPACE,
  serviceAccount: 'solo-developer',
  tokenSecret: 'solo-developer-token',
};
export const POOL_LABEL = 'kube-ml.dev/pool';
/** Which nodes kwok fakes (`kwok`) and which run a real kubelet (`real`); kwok manages only the former. */
export const NODE_KIND_LABEL = 'sandbox.kube-ml.dev/node-kind';
export const SIMULATED_NODE_SELECTOR = `${NODE_KIND_LABEL}=kwok`;

export interface GpuModel {
  product: string;
  memoryMiB: number;
  count: number;
  pool: string;
}

const H100: GpuModel = {
  product: 'NVIDIA-H100-80GB-HBM3',
  memoryMiB: 81559,
  count: 8,
  pool: 'h100',
};
const A100: GpuModel = {
  product: 'NVIDIA-A100-SXM4-40GB',
  memoryMiB: 40960,
  count: 4,
  pool: 'a100',
};
/** The model of the autoscaled pool (agent/autoscaler), which has no node until a pod needs one. */
export const L4: GpuModel = {
  product: 'NVIDIA-L4',
  memoryMiB: 23034,
  count: 4,
  pool: 'l4-autoscaled',
};

/** A KWOK-managed node; `gpu` undefined makes a CPU-only node. */
export function fakeNode(
  name: string,
  gpu: GpuModel | undefined,
  pool = gpu?.pool ?? 'cpu',
): k8s.V1Node {
  const resources: Record<string, string> = gpu
    ? {
        cpu: '96',
        memory: '1536Gi',
        pods: '110',
        'ephemeral-storage': '2Ti',
        'nvidia.com/gpu': String(gpu.count),
      }
    : { cpu: '32', memory: '128Gi', pods: '110', 'ephemeral-storage': '500Gi' };
  const labels: Record<string, string> = {
    'kubernetes.io/hostname': name,
    'kubernetes.io/os': 'linux',
    'kubernetes.io/arch': 'amd64',
    'node.kubernetes.io/instance-type': gpu ? `${gpu.pool}-${gpu.count}g` : 'cpu-32',
    type: 'kwok',
    [NODE_KIND_LABEL]: 'kwok',
    [POOL_LABEL]: pool,
  };
  if (gpu) {
    labels['nvidia.com/gpu.present'] = 'true';
    labels['nvidia.com/gpu.product'] = gpu.product;
    labels['nvidia.com/gpu.memory'] = String(gpu.memoryMiB);
    labels['nvidia.com/gpu.count'] = String(gpu.count);
  }
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels,
      annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
    },
    spec: gpu
      ? { taints: [{ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' }] }
      : {},
    // InternalIP only: kwok's node-initialize stage adds Hostname=localhost plus the kubelet port,
    // which is how the API server reaches kwok for exec, logs and port-forward.
    status: {
      capacity: resources,
      allocatable: resources,
      addresses: [{ type: 'InternalIP', address: '127.0.0.1' }],
    },
  };
}

export function fixtureNodes(): k8s.V1Node[] {
  return [
    fakeNode('gpu-h100-0', H100),
    fakeNode('gpu-h100-1', H100),
    fakeNode('gpu-a100-0', A100),
    fakeNode('gpu-a100-1', A100),
    fakeNode('cpu-0', undefined),
  ];
}

/** A node for `up --nodes N` scale runs: an H100 node in its own pool. */
export function scaleNode(index: number): k8s.V1Node {
  return fakeNode(`scale-h100-${index}`, H100, 'scale-h100');
}

async function createIgnoringConflict(create: () => Promise<unknown>): Promise<void> {
  try {
    await create();
  } catch (error) {
    if ((error as { code?: number }).code !== 409) throw error;
  }
}

export async function applyFixtures(kubeConfig: k8s.KubeConfig): Promise<void> {
  const core = kubeConfig.makeApiClient(k8s.CoreV1Api);
  const rbac = kubeConfig.makeApiClient(k8s.RbacAuthorizationV1Api);
  const storage = kubeConfig.makeApiClient(k8s.StorageV1Api);

  await Promise.all(
    fixtureNodes().map((body) => createIgnoringConflict(() => core.createNode({ body }))),
  );

  await createIgnoringConflict(() =>
    core.createNamespace({
      body: { metadata: { name: 'ml-team', labels: { 'kube-ml.dev/team': 'ml' } } },
    }),
  );
  for (const name of ['ml-restricted', NAMESPACE_ONLY_NAMESPACE]) {
    await createIgnoringConflict(() =>
      core.createNamespace({
        body: {
          metadata: {
            name,
            labels: {
              'pod-security.kubernetes.io/enforce': 'restricted',
              'pod-security.kubernetes.io/enforce-version': 'latest',
            },
          },
        },
      }),
    );
  }

  const ssoGroup: k8s.RbacV1Subject = {
    kind: 'Group',
    apiGroup: 'rbac.authorization.k8s.io',
    name: SSO_GROUP,
  };
  await createStaticIdentity(core, rbac, DEVELOPER);
  await createIgnoringConflict(() =>
    rbac.createNamespacedRoleBinding({
      namespace: 'ml-team',
      body: {
        metadata: { name: 'sso-ml-engineers-edit' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' },
        subjects: [ssoGroup],
      },
    }),
  );
  // Nothing cluster-scoped for this one, on purpose: it may not even list namespaces.
  await createStaticIdentity(core, rbac, NAMESPACE_ONLY_USER);
  await createIgnoringConflict(() =>
    rbac.createClusterRole({
      body: {
        metadata: { name: 'kube-ml-node-reader' },
        rules: [
          { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch'] },
          {
            apiGroups: ['storage.k8s.io'],
            resources: ['storageclasses'],
            verbs: ['get', 'list', 'watch'],
          },
        ],
      },
    }),
  );
  await createIgnoringConflict(() =>
    rbac.createClusterRoleBinding({
      body: {
        metadata: { name: 'developer-node-reader' },
        roleRef: {
          apiGroup: 'rbac.authorization.k8s.io',
          kind: 'ClusterRole',
          name: 'kube-ml-node-reader',
        },
        subjects: [
          {
            kind: 'ServiceAccount',
            namespace: DEVELOPER.namespace,
            name: DEVELOPER.serviceAccount,
          },
          ssoGroup,
        ],
      },
    }),
  );

  await createIgnoringConflict(() =>
    storage.createStorageClass({
      body: {
        metadata: {
          name: STORAGE_CLASS,
          annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' },
        },
        provisioner: PROVISIONER_NAME,
        reclaimPolicy: 'Delete',
        volumeBindingMode: 'Immediate',
      },
    }),
  );
}

/** The ServiceAccount, `edit` in its own namespace, and the Secret its token controller fills. */
async function createStaticIdentity(
  core: k8s.CoreV1Api,
  rbac: k8s.RbacAuthorizationV1Api,
  identity: StaticIdentity,
): Promise<void> {
  const { namespace, serviceAccount } = identity;
  await createIgnoringConflict(() =>
    core.createNamespacedServiceAccount({
      namespace,
      body: { metadata: { name: serviceAccount } },
    }),
  );
  await createIgnoringConflict(() =>
    rbac.createNamespacedRoleBinding({
      namespace,
      body: {
        metadata: { name: `${serviceAccount}-edit` },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' },
        subjects: [{ kind: 'ServiceAccount', namespace, name: serviceAccount }],
      },
    }),
  );
  await createIgnoringConflict(() =>
    core.createNamespacedSecret({
      namespace,
      body: {
        metadata: {
          name: identity.tokenSecret,
          annotations: { 'kubernetes.io/service-account.name': serviceAccount },
        },
        type: 'kubernetes.io/service-account-token',
      },
    }),
  );
}

/** Waits for the token controller to fill the identity's service-account-token Secret. */
export async function staticToken(
  kubeConfig: k8s.KubeConfig,
  identity: StaticIdentity,
  timeoutMs = 30000,
): Promise<string> {
  const core = kubeConfig.makeApiClient(k8s.CoreV1Api);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const secret = await core.readNamespacedSecret({
      namespace: identity.namespace,
      name: identity.tokenSecret,
    });
    const token = secret.data?.token;
    if (token) return Buffer.from(token, 'base64').toString('utf8');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(
    `the token controller (kube-controller-manager) did not fill Secret ${identity.namespace}/${identity.tokenSecret} within ` +
      `${timeoutMs / 1000} s; see .sandbox/kwok/clusters/kube-ml-sandbox/logs/kube-controller-manager.log`,
  );
}
