// Whether the cluster can add nodes for a pending pod: a Karpenter NodePool API, or the status
// ConfigMap that Cluster Autoscaler keeps (also on GKE and EKS managed node groups). Read once per
// start; a user who may read neither cannot know, and then waits a bounded time for a verdict.
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';

export type NodeAutoscaler = 'karpenter' | 'cluster-autoscaler' | 'none' | 'unknown';

const CLUSTER_AUTOSCALER_STATUS = { namespace: 'kube-system', name: 'cluster-autoscaler-status' };
const KARPENTER_NODEPOOLS = { group: 'karpenter.sh', version: 'v1', plural: 'nodepools' };

type Probe = 'present' | 'absent' | 'unknown';

function probeOutcome(error: unknown): Probe {
  // 404: the API or object does not exist. Anything else (403 above all) leaves the answer open.
  return (error as { code?: number }).code === 404 ? 'absent' : 'unknown';
}

async function karpenter(kubeConfig: KubeConfig): Promise<Probe> {
  try {
    await kubeConfig
      .makeApiClient(CustomObjectsApi)
      .listClusterCustomObject({ ...KARPENTER_NODEPOOLS, limit: 1 });
    return 'present';
  } catch (error) {
    return probeOutcome(error);
  }
}

async function clusterAutoscaler(kubeConfig: KubeConfig): Promise<Probe> {
  try {
    await kubeConfig.makeApiClient(CoreV1Api).readNamespacedConfigMap(CLUSTER_AUTOSCALER_STATUS);
    return 'present';
  } catch (error) {
    return probeOutcome(error);
  }
}

export async function detectNodeAutoscaler(kubeConfig: KubeConfig): Promise<NodeAutoscaler> {
  const [karpenterProbe, clusterAutoscalerProbe] = await Promise.all([
    karpenter(kubeConfig),
    clusterAutoscaler(kubeConfig),
  ]);
  if (karpenterProbe === 'present') return 'karpenter';
  if (clusterAutoscalerProbe === 'present') return 'cluster-autoscaler';
  return karpenterProbe === 'absent' && clusterAutoscalerProbe === 'absent' ? 'none' : 'unknown';
}
