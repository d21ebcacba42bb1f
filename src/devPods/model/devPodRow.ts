import type { V1PersistentVolumeClaim, V1Pod } from '@kubernetes/client-node';
import {
  DEFINITION_ANNOTATION,
  DEV_POD_LABEL,
  STOPPED_AT_ANNOTATION,
  STOPPED_REASON_ANNOTATION,
} from '../../cluster/devPodContract';
import { podSpecGpus } from '../../cluster/gpu/requests';
import { NVIDIA_GPU_PRODUCT_LABEL } from '../../cluster/gpu/resources';
import { decodeDefinition } from './definition';
import { decideIdleForPod, formatDuration } from './idlePolicy';
import type { DevPodSpec } from './spec';

/** What the Dev Pods view shows for one dev pod; drives the item's contextValue (devPod.<state>). */
export type DevPodState = 'running' | 'pending' | 'stopped' | 'failed';

export interface DevPodRow {
  readonly name: string;
  readonly namespace: string;
  readonly state: DevPodState;
  readonly phaseText: string;
  readonly node?: string;
  readonly gpus: number;
  readonly gpuProduct?: string;
  readonly ageText?: string;
  /** "idle 12 min (stops in 48 min)", "idle shutdown off". */
  readonly idleText?: string;
  readonly stoppedText?: string;
  readonly spec?: DevPodSpec;
  readonly hasVolume: boolean;
}

function stateOfPod(pod: V1Pod): { state: DevPodState; phaseText: string } {
  if (pod.metadata?.deletionTimestamp) {
    return { state: 'pending', phaseText: 'Stopping' };
  }
  const waiting = pod.status?.containerStatuses
    ?.map((status) => status.state?.waiting?.reason)
    .find((reason) => reason);
  if (waiting && /BackOff|Err|Invalid|CreateContainer/.test(waiting)) {
    return { state: 'failed', phaseText: waiting };
  }
  switch (pod.status?.phase) {
    case 'Running':
      return pod.status.containerStatuses?.every((status) => status.state?.running)
        ? { state: 'running', phaseText: 'Running' }
        : { state: 'pending', phaseText: 'Starting' };
    case 'Failed':
    case 'Succeeded':
      return { state: 'failed', phaseText: pod.status.phase };
    default: {
      const unschedulable = pod.status?.conditions?.some(
        (condition) => condition.type === 'PodScheduled' && condition.reason === 'Unschedulable',
      );
      return {
        state: 'pending',
        phaseText: unschedulable ? 'Unschedulable' : (waiting ?? 'Pending'),
      };
    }
  }
}

/** The dev pod label's value, on a pod or a claim (unlike the core's devPodNameOf, no identity check: the view lists what the label says). */
export function devPodLabelOf(object: V1Pod | V1PersistentVolumeClaim): string | undefined {
  return object.metadata?.labels?.[DEV_POD_LABEL];
}

/** One row from the pod (absent while stopped) and the workspace claim (absent if deleted separately). */
export function devPodRow(
  name: string,
  namespace: string,
  pod: V1Pod | undefined,
  claim: V1PersistentVolumeClaim | undefined,
  now: number,
): DevPodRow {
  const decoded = claim
    ? decodeDefinition(claim.metadata?.annotations?.[DEFINITION_ANNOTATION], namespace)
    : undefined;
  const spec = decoded && 'spec' in decoded ? decoded.spec : undefined;
  if (!pod) {
    const stoppedAt = claim?.metadata?.annotations?.[STOPPED_AT_ANNOTATION];
    const reason = claim?.metadata?.annotations?.[STOPPED_REASON_ANNOTATION];
    const stoppedMs = stoppedAt ? Date.parse(stoppedAt) : Number.NaN;
    return {
      name,
      namespace,
      state: 'stopped',
      phaseText: 'Stopped',
      gpus: spec?.gpu?.count ?? 0,
      gpuProduct: spec?.gpu?.product,
      stoppedText: Number.isNaN(stoppedMs)
        ? undefined
        : `stopped ${formatDuration(now - stoppedMs)} ago${reason ? ` (${reason})` : ''}`,
      spec,
      hasVolume: claim !== undefined,
    };
  }
  const { state, phaseText } = stateOfPod(pod);
  const created = pod.metadata?.creationTimestamp
    ? new Date(pod.metadata.creationTimestamp).getTime()
    : undefined;
  const idle = decideIdleForPod(pod, now);
  const idleText =
    idle.action === 'off'
      ? 'idle shutdown off'
      : idle.action === 'stop'
        ? `idle ${formatDuration(idle.idleMs)} (stopping)`
        : `idle ${formatDuration(idle.idleMs)} (stops in ${formatDuration(idle.stopAt - now)})`;
  return {
    name,
    namespace,
    state,
    phaseText,
    node: pod.spec?.nodeName,
    gpus: podSpecGpus(pod.spec),
    gpuProduct: pod.spec?.nodeSelector?.[NVIDIA_GPU_PRODUCT_LABEL] ?? spec?.gpu?.product,
    ageText: created === undefined ? undefined : formatDuration(now - created),
    idleText: state === 'running' ? idleText : undefined,
    spec,
    hasVolume: claim !== undefined,
  };
}

/** The one-line description of a row: "Running · node-h100-1 · 2× H100 · 3 h 05 min · idle 4 min (stops in 56 min)". */
export function describeRow(row: DevPodRow): string {
  const gpus = row.gpus > 0 ? `${row.gpus}× ${shortProduct(row.gpuProduct)}` : 'CPU only';
  return [row.phaseText, row.node, gpus, row.ageText, row.idleText ?? row.stoppedText]
    .filter((part): part is string => Boolean(part))
    .join(' · ');
}

/** "NVIDIA-H100-80GB-HBM3" -> "H100-80GB-HBM3": the vendor prefix is noise in a narrow view. */
export function shortProduct(product: string | undefined): string {
  return product ? product.replace(/^NVIDIA-/, '') : 'GPU';
}
