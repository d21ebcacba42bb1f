import type { CoreV1Event, V1Pod } from '@kubernetes/client-node';
import { KubeMlError } from '../../cluster/errors';
import type { NodeAutoscaler } from '../../cluster/autoscalerDetection';
import { autoscalerVerdict, describeScaleUp } from '../../cluster/autoscalerEvents';
import { lacksGpus } from '../../cluster/gpu/shortfall';
import { waitsForVolume } from '../../cluster/schedulerMessages';
import { explainVolumeAttach } from '../../cluster/volumeAttach';
import type { ProductFreeGpus } from '../../cluster/gpu/freeGpus';
import { explainNoGpuCapacity } from './gpuCapacity';

/**
 * Start progress of one dev pod, folded from its pod status and its Events. Pure, so recorded
 * sequences replay in unit tests; the glue feeds it from watches.
 */
export type StartStage =
  | 'submitted'
  | 'waitingForVolume'
  | 'waitingForNode'
  | 'scheduled'
  | 'pullingImage'
  | 'starting'
  | 'running'
  | 'failed';

export type UnschedulableCause = 'gpu' | 'noSuchProduct' | 'cpuMemory' | 'other' | 'noScaleUp';

export type StartFailure =
  | {
      readonly kind: 'unschedulable';
      readonly cause: UnschedulableCause;
      readonly schedulerMessage: string;
      readonly autoscalerMessage?: string;
    }
  | { readonly kind: 'imagePull'; readonly message: string }
  | { readonly kind: 'crashed'; readonly message: string }
  | { readonly kind: 'deleted'; readonly message: string };

export interface StartProgress {
  readonly stage: StartStage;
  /** One line for the progress notification. */
  readonly message: string;
  readonly node?: string;
  readonly failure?: StartFailure;
  /** While waiting for a node: the scheduler's message, until an autoscaler answers it. */
  readonly awaitingAutoscaler?: string;
}

const STAGE_ORDER: Record<StartStage, number> = {
  submitted: 0,
  waitingForVolume: 1,
  waitingForNode: 2,
  scheduled: 3,
  pullingImage: 4,
  starting: 5,
  running: 6,
  failed: 7,
};

/**
 * What the cluster can do about a pod no node fits now. With a node autoscaler (Cluster
 * Autoscaler, Karpenter), "no node has room" is the start of a scale-up, not a failure: the pod
 * waits for the autoscaler's verdict (a scale-up, or why none can help).
 */
export interface StartContext {
  readonly autoscaler: NodeAutoscaler;
}

const FIXED_NODES: StartContext = { autoscaler: 'none' };

const IMAGE_PULL_REASONS = new Set([
  'ErrImagePull',
  'ImagePullBackOff',
  'InvalidImageName',
  'ErrImageNeverPull',
  'RegistryUnavailable',
]);
const FATAL_WAITING_REASONS = new Set([
  'CrashLoopBackOff',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
]);

export const INITIAL_START_PROGRESS: StartProgress = {
  stage: 'submitted',
  message: 'Submitted; waiting for the scheduler',
};

export function isFinished(progress: StartProgress): boolean {
  return progress.stage === 'running' || progress.stage === 'failed';
}

/** Moves forward only: a late event for an earlier step must not undo a later one. */
function advance(current: StartProgress, next: StartProgress): StartProgress {
  if (isFinished(current)) {
    return current;
  }
  if (next.stage === 'failed' || STAGE_ORDER[next.stage] >= STAGE_ORDER[current.stage]) {
    return { ...next, node: next.node ?? current.node };
  }
  return current;
}

/** Classifies a scheduler message ("0/5 nodes are available: 2 Insufficient nvidia.com/gpu, ..."); undefined while it may still resolve by itself. */
export function classifySchedulerMessage(message: string): UnschedulableCause | undefined {
  if (waitsForVolume(message)) {
    return undefined;
  }
  if (lacksGpus(message)) {
    return 'gpu';
  }
  if (/Insufficient (cpu|memory|ephemeral-storage)/i.test(message)) {
    return 'cpuMemory';
  }
  if (/didn't match Pod's node affinity\/selector/i.test(message)) {
    return 'noSuchProduct';
  }
  return 'other';
}

function fromSchedulerMessage(
  current: StartProgress,
  message: string,
  context: StartContext,
): StartProgress {
  const cause = classifySchedulerMessage(message);
  if (cause === undefined) {
    return { stage: 'waitingForVolume', message: 'Waiting for the workspace volume to be bound' };
  }
  if (context.autoscaler !== 'none') {
    // The scheduler repeats itself while a node is being added: keep the scale-up's own line.
    if (current.stage === 'waitingForNode' && current.awaitingAutoscaler === undefined)
      return current;
    return {
      stage: 'waitingForNode',
      message: 'No node has room now; waiting for the node autoscaler to add one',
      awaitingAutoscaler: message,
    };
  }
  return unschedulable(message, cause);
}

function unschedulable(message: string, cause: UnschedulableCause): StartProgress {
  return {
    stage: 'failed',
    message: `Cannot be scheduled: ${message}`,
    failure: { kind: 'unschedulable', cause, schedulerMessage: message },
  };
}

/**
 * When no autoscaler answered a pod that no node fits (the user may not see whether the cluster
 * has one), the scheduler's message stands: the start fails with it. Called by the watcher after
 * a grace period; any other progress is returned unchanged.
 */
export function autoscalerSilent(current: StartProgress): StartProgress {
  if (current.stage !== 'waitingForNode' || current.awaitingAutoscaler === undefined)
    return current;
  return unschedulable(
    current.awaitingAutoscaler,
    classifySchedulerMessage(current.awaitingAutoscaler) ?? 'other',
  );
}

/** Folds one pod status into the progress. */
export function applyPodStatus(
  current: StartProgress,
  pod: V1Pod,
  context: StartContext = FIXED_NODES,
): StartProgress {
  if (pod.metadata?.deletionTimestamp) {
    return advance(current, {
      stage: 'failed',
      message: 'The pod was deleted while starting',
      failure: {
        kind: 'deleted',
        message:
          'The dev pod was deleted while it was starting (stopped from another window or by an admin).',
      },
    });
  }
  const node = pod.spec?.nodeName;
  const waiting = pod.status?.containerStatuses
    ?.map((status) => status.state?.waiting)
    .find((state) => state?.reason);
  if (waiting?.reason && IMAGE_PULL_REASONS.has(waiting.reason)) {
    return advance(current, {
      stage: 'failed',
      node,
      message: `Image pull failed (${waiting.reason})`,
      failure: {
        kind: 'imagePull',
        message: `${waiting.reason}: ${waiting.message ?? 'the image cannot be pulled'}`,
      },
    });
  }
  if (waiting?.reason && FATAL_WAITING_REASONS.has(waiting.reason)) {
    return advance(current, {
      stage: 'failed',
      node,
      message: `The container cannot start (${waiting.reason})`,
      failure: {
        kind: 'crashed',
        message: `${waiting.reason}: ${waiting.message ?? 'see View Logs'}`,
      },
    });
  }
  if (pod.status?.phase === 'Failed' || pod.status?.phase === 'Succeeded') {
    return advance(current, {
      stage: 'failed',
      node,
      message: `The pod ended (${pod.status.phase})`,
      failure: {
        kind: 'crashed',
        message: `The pod ended with phase ${pod.status.phase}${pod.status.message ? `: ${pod.status.message}` : ''}.`,
      },
    });
  }
  const running = pod.status?.containerStatuses?.some((status) => status.state?.running);
  if (pod.status?.phase === 'Running' && running) {
    return advance(current, {
      stage: 'running',
      node,
      message: `Running on ${node ?? 'its node'}`,
    });
  }
  if (node) {
    const starting =
      waiting?.reason === 'ContainerCreating' || waiting?.reason === 'PodInitializing';
    return advance(
      current,
      starting
        ? { stage: 'starting', node, message: `Starting the container on ${node}` }
        : { stage: 'scheduled', node, message: `Scheduled to node ${node}` },
    );
  }
  const unschedulable = pod.status?.conditions?.find(
    (condition) =>
      condition.type === 'PodScheduled' &&
      condition.status === 'False' &&
      condition.reason === 'Unschedulable',
  );
  if (unschedulable?.message) {
    return advance(current, fromSchedulerMessage(current, unschedulable.message, context));
  }
  return current;
}

/** Folds one Event about the pod into the progress. Events of an earlier pod with the same name (before Stop/Resume) must be filtered by uid first. */
export function applyPodEvent(
  current: StartProgress,
  event: CoreV1Event,
  context: StartContext = FIXED_NODES,
): StartProgress {
  const message = event.message ?? '';
  const verdict = autoscalerVerdict(
    event.reason,
    message,
    event.reportingComponent || event.source?.component,
  );
  if (verdict?.kind === 'scaleUp') {
    return advance(current, {
      stage: 'waitingForNode',
      message: `Waiting for a new node: ${describeScaleUp(verdict)}`,
    });
  }
  if (verdict?.kind === 'noScaleUp') {
    const why = verdict.reasons.join('; ') || 'no node group can fit it';
    const failure: StartFailure = {
      kind: 'unschedulable',
      cause: 'noScaleUp',
      schedulerMessage: current.awaitingAutoscaler ?? '',
      autoscalerMessage: `${verdict.by}: ${why}`,
    };
    return advance(current, {
      stage: 'failed',
      message: `No node can be added for it: ${why}`,
      failure,
    });
  }
  switch (event.reason) {
    case 'Scheduled': {
      const node = / to (\S+)$/.exec(message)?.[1];
      return advance(current, {
        stage: 'scheduled',
        node,
        message: node ? `Scheduled to node ${node}` : 'Scheduled',
      });
    }
    case 'FailedScheduling':
      return advance(current, fromSchedulerMessage(current, message, context));
    case 'Pulling':
      return advance(current, {
        stage: 'pullingImage',
        message: `Pulling image ${/image "([^"]+)"/.exec(message)?.[1] ?? ''}`.trim(),
      });
    case 'Pulled':
    case 'Created':
      return advance(current, {
        stage: 'starting',
        message:
          event.reason === 'Pulled'
            ? 'Image pulled; creating the container'
            : 'Container created; starting it',
      });
    case 'Started':
      return advance(current, { stage: 'starting', message: 'Container started' });
    case 'Failed':
      if (/ErrImagePull|ImagePullBackOff|Failed to pull image|InvalidImageName/i.test(message)) {
        return advance(current, {
          stage: 'failed',
          message: 'Image pull failed',
          failure: { kind: 'imagePull', message },
        });
      }
      return advance(current, {
        stage: 'failed',
        message: 'The container failed',
        failure: { kind: 'crashed', message },
      });
    case 'BackOff':
      if (/pulling image/i.test(message)) {
        return advance(current, {
          stage: 'failed',
          message: 'Image pull failed',
          failure: { kind: 'imagePull', message },
        });
      }
      return current;
    case 'FailedMount':
    case 'FailedAttachVolume':
      return advance(current, {
        stage: current.stage === 'submitted' ? 'waitingForVolume' : current.stage,
        node: current.node,
        message: `Waiting for the workspace volume: ${explainVolumeAttach(event.reason, message) ?? message}`,
      });
    default:
      return current;
  }
}

export interface FailureContext {
  readonly namespace: string;
  readonly name: string;
  readonly gpuCount: number;
  readonly gpuProduct?: string;
  readonly image: string;
  /** Free GPUs now; undefined when the user cannot see every pod. */
  readonly products?: readonly ProductFreeGpus[];
}

/** The user-facing error for a failed start. */
export function startFailureError(failure: StartFailure, context: FailureContext): KubeMlError {
  const subject = `Dev pod ${context.namespace}/${context.name} cannot start`;
  const detail =
    failure.kind === 'unschedulable'
      ? [failure.schedulerMessage, failure.autoscalerMessage].filter(Boolean).join('\n')
      : failure.message;
  switch (failure.kind) {
    case 'unschedulable':
      switch (failure.cause) {
        case 'gpu':
          return new KubeMlError(
            'noGpuCapacity',
            `${subject}: ${explainNoGpuCapacity(context.gpuCount, context.gpuProduct, context.products)}.`,
            'Ask for fewer GPUs, pick a product that has room, or wait for GPUs to be released.',
            detail,
          );
        case 'noSuchProduct':
          return new KubeMlError(
            'noGpuCapacity',
            `${subject}: no schedulable node has ${context.gpuProduct ? `GPU product ${context.gpuProduct}` : 'GPUs'}; free GPUs are: ${explainNoGpuCapacity(context.gpuCount, undefined, context.products).replace(/^.*free GPUs are: /, '')}.`,
            'Pick a GPU product the cluster has.',
            detail,
          );
        case 'noScaleUp': {
          const now =
            context.gpuCount > 0
              ? explainNoGpuCapacity(context.gpuCount, context.gpuProduct, context.products)
              : 'no node has room for it';
          return new KubeMlError(
            'noGpuCapacity',
            `${subject}: ${now}, and the node autoscaler cannot add a node for it (${failure.autoscalerMessage ?? 'no reason given'}).`,
            "Ask for fewer GPUs or another product, or ask your cluster admin to raise the node pool's limit.",
            detail,
          );
        }
        case 'cpuMemory':
          return new KubeMlError(
            'noGpuCapacity',
            `${subject}: no node has enough free CPU or memory for it (${failure.schedulerMessage}).`,
            'Ask for less CPU or memory.',
            detail,
          );
        default:
          return new KubeMlError(
            'unknown',
            `${subject}: the scheduler cannot place it: ${failure.schedulerMessage}`,
            'Check node taints and selectors with your cluster admin.',
            detail,
          );
      }
    case 'imagePull':
      return new KubeMlError(
        'invalidInput',
        `${subject}: the image "${context.image}" cannot be pulled: ${failure.message}`,
        'Check the image name and tag, and that the cluster can reach the registry (a private registry needs an imagePullSecret).',
        detail,
      );
    case 'crashed':
      return new KubeMlError(
        'unknown',
        `${subject}: ${failure.message}`,
        'Open View Logs on the dev pod for the container output.',
        detail,
      );
    case 'deleted':
      return new KubeMlError('cancelled', `${subject}: ${failure.message}`, undefined, detail);
  }
}
