import type { KubernetesObject, V1Pod } from '@kubernetes/client-node';
import { waitsForVolume } from '../../cluster/schedulerMessages';
import type { JobSpec } from './jobSpec';
import type { Runtime } from './runtime';
import type { NodeFreeGpus } from '../../cluster/gpu/freeGpus';
import { explainUnschedulable } from './gpuFit';
import {
  CANCELLED_ANNOTATION,
  KUEUE_QUEUE_LABEL,
  runPodSelector,
  SPEC_ANNOTATION,
} from './manifests';
import { RUN_LABEL, RUNTIME_LABEL } from './podTemplate';

export type RunState = 'queued' | 'pending' | 'running' | 'succeeded' | 'failed';

interface Condition {
  readonly type: string;
  readonly status: string;
  readonly reason?: string;
  readonly message?: string;
  readonly lastTransitionTime?: string | Date;
}

/** The fields of a run's top object (Job or CRD) the state depends on, whatever the runtime. */
export interface RunObjectInfo {
  readonly name: string;
  readonly namespace: string;
  readonly uid: string | undefined;
  readonly runtime: Runtime;
  readonly spec: JobSpec | undefined;
  readonly workers: number;
  readonly gpusPerWorker: number;
  readonly queue: string | undefined;
  readonly createdAt: Date | undefined;
  readonly suspended: boolean;
  readonly cancelledAt: Date | undefined;
  readonly conditions: readonly Condition[];
  readonly startTime: Date | undefined;
  readonly completionTime: Date | undefined;
  /** RayJob reports through these rather than conditions. */
  readonly ray?: {
    readonly deploymentStatus?: string;
    readonly jobStatus?: string;
    readonly reason?: string;
    readonly message?: string;
  };
}

/** Kueue's view of the run while it waits. */
export interface WorkloadInfo {
  readonly queue: string | undefined;
  readonly admitted: boolean;
  readonly message: string | undefined;
}

export interface RunView {
  readonly name: string;
  readonly namespace: string;
  readonly runtime: Runtime;
  readonly state: RunState;
  /** Short why: "BackoffLimitExceeded", "2/2 workers running", "no node with 9 free ... GPUs". */
  readonly reason: string | undefined;
  readonly workers: number;
  readonly runningWorkers: number;
  readonly gpusPerWorker: number;
  readonly queue: string | undefined;
  readonly createdAt: Date | undefined;
  readonly startedAt: Date | undefined;
  readonly finishedAt: Date | undefined;
  readonly podSelector: string;
}

type Loose = Record<string, unknown>;

function asDate(value: unknown): Date | undefined {
  if (value instanceof Date) return value;
  if (typeof value === 'string' && value) {
    const date = new Date(value);
    return Number.isNaN(date.getTime()) ? undefined : date;
  }
  return undefined;
}

function parseSpec(text: string | undefined): JobSpec | undefined {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as JobSpec;
  } catch {
    return undefined;
  }
}

const RUNTIMES: readonly Runtime[] = ['job', 'indexedJob', 'pytorchJob', 'trainJob', 'rayJob'];

/** Reads a Job, PyTorchJob, TrainJob or RayJob we created; undefined for anything else. */
export function runObjectInfo(
  object: KubernetesObject & { spec?: unknown; status?: unknown },
): RunObjectInfo | undefined {
  const labels = object.metadata?.labels ?? {};
  const name = labels[RUN_LABEL];
  const runtime = labels[RUNTIME_LABEL] as Runtime | undefined;
  if (!name || !runtime || !RUNTIMES.includes(runtime) || name !== object.metadata?.name) {
    return undefined;
  }
  const annotations = object.metadata?.annotations ?? {};
  const spec = (object.spec ?? {}) as Loose;
  const status = (object.status ?? {}) as Loose;
  const stored = parseSpec(annotations[SPEC_ANNOTATION]);
  const runPolicy = (spec.runPolicy ?? {}) as Loose;
  const suspended = spec.suspend === true || runPolicy.suspend === true;
  const ray =
    runtime === 'rayJob'
      ? {
          deploymentStatus: status.jobDeploymentStatus as string | undefined,
          jobStatus: status.jobStatus as string | undefined,
          reason: status.reason as string | undefined,
          message: status.message as string | undefined,
        }
      : undefined;
  return {
    name,
    namespace: object.metadata?.namespace ?? '',
    uid: object.metadata?.uid,
    runtime,
    spec: stored,
    workers: stored?.workers ?? 1,
    gpusPerWorker: stored?.gpusPerWorker ?? 0,
    queue: labels[KUEUE_QUEUE_LABEL],
    createdAt: asDate(object.metadata?.creationTimestamp),
    suspended,
    cancelledAt: asDate(annotations[CANCELLED_ANNOTATION]),
    conditions: Array.isArray(status.conditions) ? (status.conditions as Condition[]) : [],
    startTime: asDate(status.startTime) ?? asDate(status.startedAt),
    completionTime: asDate(status.completionTime) ?? asDate(status.endTime),
    ray,
  };
}

/** Kueue Workload conditions: QuotaReserved/Admitted say whether the run may start, and why not. */
export function workloadInfo(workload: { status?: unknown; spec?: unknown }): WorkloadInfo {
  const status = (workload.status ?? {}) as Loose;
  const conditions = Array.isArray(status.conditions) ? (status.conditions as Condition[]) : [];
  const admitted = conditions.some(
    (condition) => condition.type === 'Admitted' && condition.status === 'True',
  );
  const pendingReason = conditions.find(
    (condition) =>
      (condition.type === 'QuotaReserved' ||
        condition.type === 'Admitted' ||
        condition.type === 'Evicted') &&
      condition.status !== (condition.type === 'Evicted' ? 'False' : 'True'),
  );
  const queue = ((workload.spec ?? {}) as Loose).queueName as string | undefined;
  return { queue, admitted, message: pendingReason?.message ?? pendingReason?.reason };
}

function trueCondition(info: RunObjectInfo, ...types: string[]): Condition | undefined {
  return info.conditions.find(
    (condition) => types.includes(condition.type) && condition.status === 'True',
  );
}

function isTerminalPod(pod: V1Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

/** "worker 1 exited with code 3" for the first failed container we can see. */
function podFailureSummary(pods: readonly V1Pod[]): string | undefined {
  for (const pod of pods) {
    for (const status of pod.status?.containerStatuses ?? []) {
      const terminated = status.state?.terminated ?? status.lastState?.terminated;
      if (terminated && terminated.exitCode !== 0) {
        const reason =
          terminated.reason && terminated.reason !== 'Error' ? ` (${terminated.reason})` : '';
        return `${pod.metadata?.name ?? 'a worker'} exited with code ${terminated.exitCode}${reason}`;
      }
    }
  }
  return undefined;
}

function terminalOutcome(
  info: RunObjectInfo,
  pods: readonly V1Pod[],
): { state: 'succeeded' | 'failed'; reason?: string; at?: Date } | undefined {
  if (info.cancelledAt) {
    return { state: 'failed', reason: 'Cancelled', at: info.cancelledAt };
  }
  if (info.ray) {
    const { deploymentStatus, jobStatus, reason, message } = info.ray;
    if (
      jobStatus === 'SUCCEEDED' ||
      (deploymentStatus === 'Complete' && jobStatus !== 'FAILED' && jobStatus !== 'STOPPED')
    )
      return { state: 'succeeded', at: info.completionTime };
    if (deploymentStatus === 'Failed' || jobStatus === 'FAILED' || jobStatus === 'STOPPED') {
      return {
        state: 'failed',
        reason: [reason ?? jobStatus ?? 'Failed', message].filter(Boolean).join(': '),
        at: info.completionTime,
      };
    }
    return undefined;
  }
  const success = trueCondition(info, 'Complete', 'Succeeded');
  if (success) {
    return { state: 'succeeded', at: info.completionTime ?? asDate(success.lastTransitionTime) };
  }
  const failure = trueCondition(info, 'Failed');
  if (failure) {
    const podSummary = podFailureSummary(pods);
    const reason = [failure.reason ?? 'Failed', podSummary ?? failure.message]
      .filter(Boolean)
      .join(': ');
    return {
      state: 'failed',
      reason,
      at: asDate(failure.lastTransitionTime) ?? info.completionTime,
    };
  }
  return undefined;
}

const WAITING_PROBLEMS = new Set([
  'ImagePullBackOff',
  'ErrImagePull',
  'InvalidImageName',
  'CreateContainerConfigError',
  'CreateContainerError',
  'CrashLoopBackOff',
  'RunContainerError',
]);

/** The worst thing holding up a pod that is not running yet. */
function pendingPodProblem(
  pods: readonly V1Pod[],
  info: RunObjectInfo,
  capacity: readonly NodeFreeGpus[],
): string | undefined {
  for (const pod of pods) {
    const scheduled = pod.status?.conditions?.find(
      (condition) => condition.type === 'PodScheduled',
    );
    if (
      scheduled?.status === 'False' &&
      scheduled.reason === 'Unschedulable' &&
      !waitsForVolume(scheduled.message ?? '')
    ) {
      return explainUnschedulable(
        info.gpusPerWorker,
        info.spec?.gpuProduct,
        capacity,
        scheduled.message,
      );
    }
  }
  for (const pod of pods) {
    for (const status of [
      ...(pod.status?.initContainerStatuses ?? []),
      ...(pod.status?.containerStatuses ?? []),
    ]) {
      const waiting = status.state?.waiting;
      if (waiting?.reason && WAITING_PROBLEMS.has(waiting.reason)) {
        return `${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}`;
      }
    }
  }
  return undefined;
}

export interface RunInputs {
  readonly run: RunObjectInfo;
  /** The run's pods (any phase). */
  readonly pods: readonly V1Pod[];
  readonly workload?: WorkloadInfo;
  /** Newest warning event message on the top object (e.g. FailedCreate from admission). */
  readonly warning?: string;
  readonly capacity: readonly NodeFreeGpus[];
}

/** Everything the Training Jobs view shows about one run, from the watched objects alone. */
export function deriveRunView({ run, pods, workload, warning, capacity }: RunInputs): RunView {
  const base = {
    name: run.name,
    namespace: run.namespace,
    runtime: run.runtime,
    workers: run.workers,
    gpusPerWorker: run.gpusPerWorker,
    queue: run.queue ?? workload?.queue,
    createdAt: run.createdAt,
    podSelector: runPodSelector(run.runtime, run.name),
  };
  const live = pods.filter((pod) => !pod.metadata?.deletionTimestamp && !isTerminalPod(pod));
  const running = live.filter((pod) => pod.status?.phase === 'Running').length;
  const startedAt = run.startTime ?? earliestStart(pods);
  const outcome = terminalOutcome(run, pods);
  if (outcome) {
    return {
      ...base,
      state: outcome.state,
      reason: outcome.reason,
      runningWorkers: 0,
      startedAt,
      finishedAt: outcome.at ?? latestFinish(pods),
    };
  }
  const waitingForQueue = workload ? !workload.admitted : false;
  if (run.suspended || waitingForQueue) {
    const reason =
      workload && !workload.admitted
        ? `waiting in queue ${workload.queue ?? run.queue ?? ''}${workload.message ? `: ${workload.message}` : ''}`.replace(
            'queue :',
            'queue:',
          )
        : 'suspended';
    return {
      ...base,
      state: 'queued',
      reason,
      runningWorkers: 0,
      startedAt: undefined,
      finishedAt: undefined,
    };
  }
  if (running > 0) {
    const problem = running < run.workers ? pendingPodProblem(live, run, capacity) : undefined;
    return {
      ...base,
      state: 'running',
      reason: `${running}/${run.workers} workers running${problem ? `; ${problem}` : ''}`,
      runningWorkers: running,
      startedAt,
      finishedAt: undefined,
    };
  }
  const reason =
    pendingPodProblem(live, run, capacity) ??
    warning ??
    (live.length === 0 ? 'creating pods' : 'starting containers');
  return {
    ...base,
    state: 'pending',
    reason,
    runningWorkers: 0,
    startedAt: undefined,
    finishedAt: undefined,
  };
}

function earliestStart(pods: readonly V1Pod[]): Date | undefined {
  const starts = pods
    .map((pod) => asDate(pod.status?.startTime))
    .filter((date): date is Date => date !== undefined);
  return starts.length ? new Date(Math.min(...starts.map((date) => date.getTime()))) : undefined;
}

function latestFinish(pods: readonly V1Pod[]): Date | undefined {
  const ends = pods
    .flatMap((pod) =>
      (pod.status?.containerStatuses ?? []).map((status) =>
        asDate(status.state?.terminated?.finishedAt),
      ),
    )
    .filter((date): date is Date => date !== undefined);
  return ends.length ? new Date(Math.max(...ends.map((date) => date.getTime()))) : undefined;
}

/** "42s", "3m 05s", "2h 07m". */
export function formatDuration(milliseconds: number): string {
  const seconds = Math.max(0, Math.floor(milliseconds / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, '0')}m`;
}

/** Duration of a run: start to finish, or start to now while it runs; undefined before it starts. */
export function runDuration(view: RunView, now: Date): number | undefined {
  if (!view.startedAt) return undefined;
  return (view.finishedAt ?? now).getTime() - view.startedAt.getTime();
}

/** The one-line description the tree shows next to the run name. */
export function describeRun(view: RunView, now: Date): string {
  const duration = runDuration(view, now);
  const gpus =
    view.gpusPerWorker > 0
      ? `${view.workers}×${view.gpusPerWorker} GPU`
      : `${view.workers} worker${view.workers === 1 ? '' : 's'}, CPU`;
  const parts = [view.state, gpus, duration !== undefined ? formatDuration(duration) : undefined];
  return parts.filter(Boolean).join(' · ');
}

/** Whether a state change means the run just ended (for the notification). */
export function isFinished(state: RunState): boolean {
  return state === 'succeeded' || state === 'failed';
}
