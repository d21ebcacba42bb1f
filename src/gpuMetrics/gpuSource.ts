/**
 * Where a panel's GPU numbers come from, in order of preference: the NVIDIA DCGM exporter on the
 * workload's node (read through the API server proxy), else nvidia-smi run by exec in a pod that
 * holds GPUs. No vscode import.
 */
import type { KubeConfig, V1Pod } from '@kubernetes/client-node';
import { KubeMlError } from '../cluster/errors';
import {
  describeEndpoint,
  discoverDcgm,
  endpointForNode,
  readDcgmEndpoint,
  type DcgmEndpoint,
} from '../cluster/gpu/dcgm';
import type { ExecTarget } from '../cluster/exec';
import { sampleGpusViaExec } from '../cluster/gpu/sampler';
import type { WorkloadRef } from '../cluster/workloadRef';
import { gpuContainerOf, resolveWorkloadPods } from '../cluster/workloadPods';
import { podSpecGpus } from '../cluster/gpu/requests';
import type { GpuSnapshot } from '../cluster/gpu/sample';

export interface DcgmPlan {
  readonly kind: 'dcgm';
  readonly endpoint: DcgmEndpoint;
  readonly node: string;
  /** Keep only GPUs the exporter attributes to these pods (undefined: the whole node). */
  readonly pods?: ReadonlySet<string>;
  /** nvidia-smi target to fall back to when the exporter stops answering. */
  readonly fallback?: ExecPlan;
}

export interface ExecPlan {
  readonly kind: 'exec';
  readonly target: ExecTarget;
  readonly node?: string;
}

export type GpuSourcePlan = DcgmPlan | ExecPlan;

export interface PlannedSource {
  readonly plan: GpuSourcePlan;
  /** Shown in the panel: what was tried and why this source was chosen. */
  readonly notes: string[];
}

function isRunning(pod: V1Pod): boolean {
  return pod.status?.phase === 'Running';
}

function execPlanFor(pod: V1Pod, preferredContainer?: string): ExecPlan | undefined {
  const container = gpuContainerOf(pod, preferredContainer);
  if (!container || !pod.metadata?.name || !pod.metadata.namespace) return undefined;
  return {
    kind: 'exec',
    target: { namespace: pod.metadata.namespace, pod: pod.metadata.name, container },
    node: pod.spec?.nodeName,
  };
}

export async function planGpuSource(
  kubeConfig: KubeConfig,
  workload: WorkloadRef,
): Promise<PlannedSource> {
  const notes: string[] = [];
  const discovery = await discoverDcgm(kubeConfig);
  if (discovery.pods.length === 0 && discovery.services.length === 0) {
    notes.push(
      `No NVIDIA DCGM exporter found (looked for pods and services labelled app=nvidia-dcgm-exporter or app.kubernetes.io/name=dcgm-exporter${discovery.problems.length ? `; ${discovery.problems.join('; ')}` : ''}).`,
    );
  }
  const pods = await resolveWorkloadPods(kubeConfig, workload);
  if (workload.kind === 'Node') {
    const endpoint = endpointForNode(discovery, workload.name);
    const gpuPod = pods.find((pod) => isRunning(pod) && podSpecGpus(pod.spec) > 0);
    const fallback = gpuPod ? execPlanFor(gpuPod) : undefined;
    if (endpoint) return { plan: { kind: 'dcgm', endpoint, node: workload.name, fallback }, notes };
    if (fallback) {
      notes.push(
        `Showing the GPUs of pod ${fallback.target.namespace}/${fallback.target.pod} on ${workload.name}: nvidia-smi in a container sees only the GPUs allocated to it.`,
      );
      return { plan: fallback, notes };
    }
    throw new KubeMlError(
      'notFound',
      `No GPU metrics for node ${workload.name}: the cluster runs no DCGM exporter and no running pod on that node holds GPUs to run nvidia-smi in.`,
      'Ask an admin to deploy the NVIDIA DCGM exporter (GPU operator), or open GPU Metrics on a running GPU pod.',
    );
  }
  const running = pods.filter(isRunning);
  const withGpus = running.filter((pod) => podSpecGpus(pod.spec) > 0);
  const target = withGpus[0] ?? running[0];
  if (!target) {
    throw new KubeMlError(
      'notFound',
      `No running pod of ${workload.kind} ${workload.namespace}/${workload.name} to read GPU metrics from.`,
      'Start (or resume) it and try again.',
    );
  }
  if (podSpecGpus(target.spec) === 0) {
    throw new KubeMlError(
      'invalidInput',
      `${workload.kind} ${workload.namespace}/${workload.name} has no GPUs allocated (no nvidia.com/gpu limit).`,
      'Request GPUs when creating it to see GPU metrics.',
    );
  }
  if (withGpus.length > 1)
    notes.push(`${withGpus.length} pods hold GPUs; showing ${target.metadata?.name}.`);
  const fallback = execPlanFor(target, workload.container);
  const node = target.spec?.nodeName;
  const endpoint = node ? endpointForNode(discovery, node) : undefined;
  if (endpoint && node) {
    return {
      plan: {
        kind: 'dcgm',
        endpoint,
        node,
        pods: new Set(withGpus.map((pod) => pod.metadata?.name ?? '')),
        fallback,
      },
      notes,
    };
  }
  if (!fallback)
    throw new KubeMlError(
      'notFound',
      `Pod ${target.metadata?.name} has no container to run nvidia-smi in.`,
    );
  return { plan: fallback, notes };
}

/** One snapshot from the planned source; a failing exporter falls back to nvidia-smi. */
export async function sampleGpuSource(
  kubeConfig: KubeConfig,
  plan: GpuSourcePlan,
  signal?: AbortSignal,
): Promise<GpuSnapshot> {
  if (plan.kind === 'exec') return sampleGpusViaExec(kubeConfig, plan.target, plan.node);
  try {
    const readings = (await readDcgmEndpoint(kubeConfig, plan.endpoint, signal)).filter(
      (reading) => reading.node === undefined || reading.node === plan.node,
    );
    const attributed = plan.pods
      ? readings.filter((reading) => reading.pod !== undefined && plan.pods?.has(reading.pod))
      : readings;
    const wholeNode = plan.pods !== undefined && attributed.length === 0;
    return {
      time: Date.now(),
      source: 'dcgm',
      sourceDescription: `${describeEndpoint(plan.endpoint)}${wholeNode ? ' (the exporter does not attribute GPUs to pods: showing the whole node)' : ''}`,
      gpus: wholeNode ? readings : attributed,
    };
  } catch (error) {
    if (!plan.fallback) throw error;
    const snapshot = await sampleGpusViaExec(kubeConfig, plan.fallback.target, plan.fallback.node);
    return {
      ...snapshot,
      sourceDescription: `${snapshot.sourceDescription} (DCGM exporter failed: ${(error as Error).message})`,
    };
  }
}
