// The objects every sandbox starts with: GPU node pools labelled the way the NVIDIA GPU operator
// labels real nodes, the ml-team / ml-restricted namespaces, the developer identity and a
// default StorageClass served by the agent's provisioner.
import * as k8s from '@kubernetes/client-node';

export const STORAGE_CLASS = 'sandbox-hostpath';
export const PROVISIONER_NAME = 'sandbox.kube-ml.dev/hostpath';
export const DEVELOPER_TOKEN_SECRET = 'developer-token';
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

const H100: GpuModel = { product: 'NVIDIA-H100-80GB-HBM3', memoryMiB: 81559, count: 8, pool: 'h100' };
const A100: GpuModel = { product: 'NVIDIA-A100-SXM4-40GB', memoryMiB: 40960, count: 4, pool: 'a100' };
/** The model of the autoscaled pool (agent/autoscaler), which has no node until a pod needs one. */
export const L4: GpuModel = { product: 'NVIDIA-L4', memoryMiB: 23034, count: 4, pool: 'l4-autoscaled' };

/** A KWOK-managed node; `gpu` undefined makes a CPU-only node. */
export function fakeNode(name: string, gpu: GpuModel | undefined, pool = gpu?.pool ?? 'cpu'): k8s.V1Node {
  const resources: Record<string, string> = gpu
    ? { cpu: '96', memory: '1536Gi', pods: '110', 'ephemeral-storage': '2Ti', 'nvidia.com/gpu': String(gpu.count) }
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
    metadata: { name, labels, annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' } },
    spec: gpu ? { taints: [{ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' }] } : {},
    // InternalIP only: kwok's node-initialize stage adds Hostname=localhost plus the kubelet port,
    // which is how the API server reaches kwok for exec, logs and port-forward.
    status: { capacity: resources, allocatable: resources, addresses: [{ type: 'InternalIP', address: '127.0.0.1' }] },
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

  await Promise.all(fixtureNodes().map((body) => createIgnoringConflict(() => core.createNode({ body }))));

  await createIgnoringConflict(() => core.createNamespace({
    body: { metadata: { name: 'ml-team', labels: { 'kube-ml.dev/team': 'ml' } } },
  }));
  await createIgnoringConflict(() => core.createNamespace({
    body: {
      metadata: {
        name: 'ml-restricted',
        labels: {
          'pod-security.kubernetes.io/enforce': 'restricted',
          'pod-security.kubernetes.io/enforce-version': 'latest',
        },
      },
    },
  }));

  await createIgnoringConflict(() => core.createNamespacedServiceAccount({
    namespace: 'ml-team',
    body: { metadata: { name: 'developer' } },
  }));
  await createIgnoringConflict(() => rbac.createNamespacedRoleBinding({
    namespace: 'ml-team',
    body: {
      metadata: { name: 'developer-edit' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' },
      subjects: [{ kind: 'ServiceAccount', namespace: 'ml-team', name: 'developer' }],
    },
  }));
  await createIgnoringConflict(() => rbac.createClusterRole({
    body: {
      metadata: { name: 'kube-ml-node-reader' },
      rules: [
        { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['storage.k8s.io'], resources: ['storageclasses'], verbs: ['get', 'list', 'watch'] },
      ],
    },
  }));
  await createIgnoringConflict(() => rbac.createClusterRoleBinding({
    body: {
      metadata: { name: 'developer-node-reader' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'kube-ml-node-reader' },
      subjects: [{ kind: 'ServiceAccount', namespace: 'ml-team', name: 'developer' }],
    },
  }));
  await createIgnoringConflict(() => core.createNamespacedSecret({
    namespace: 'ml-team',
    body: {
      metadata: { name: DEVELOPER_TOKEN_SECRET, annotations: { 'kubernetes.io/service-account.name': 'developer' } },
      type: 'kubernetes.io/service-account-token',
    },
  }));

  await createIgnoringConflict(() => storage.createStorageClass({
    body: {
      metadata: { name: STORAGE_CLASS, annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
      provisioner: PROVISIONER_NAME,
      reclaimPolicy: 'Delete',
      volumeBindingMode: 'Immediate',
    },
  }));
}

/** Waits for the token controller to fill the developer's service-account-token Secret. */
export async function developerToken(kubeConfig: k8s.KubeConfig, timeoutMs = 30000): Promise<string> {
  const core = kubeConfig.makeApiClient(k8s.CoreV1Api);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const secret = await core.readNamespacedSecret({ namespace: 'ml-team', name: DEVELOPER_TOKEN_SECRET });
    const token = secret.data?.token;
    if (token) return Buffer.from(token, 'base64').toString('utf8');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(
    'the token controller (kube-controller-manager) did not fill Secret ml-team/developer-token within '
      + `${timeoutMs / 1000} s; see .sandbox/kwok/clusters/kube-ml-sandbox/logs/kube-controller-manager.log`,
  );
}
