import type { CoreV1Event, V1Deployment, V1Pod, V1ReplicaSet } from '@kubernetes/client-node';
import { podSpecGpus } from '../../cluster/gpu/requests';
import { lacksGpus } from '../../cluster/gpu/shortfall';
import { waitsForVolume } from '../../cluster/schedulerMessages';
import { explainVolumeAttach } from '../../cluster/volumeAttach';

export type RolloutPhase = 'progressing' | 'available' | 'failed' | 'scaledToZero';

export type ProblemKind =
  | 'imagePull'
  | 'oomKilled'
  | 'insufficientGpu'
  | 'unschedulable'
  | 'probeFailing'
  | 'crashLoop'
  | 'quota'
  | 'podSecurity'
  | 'progressDeadline'
  | 'volumeAttach';

export interface RolloutProblem {
  readonly kind: ProblemKind;
  /** Pod (or object) the problem was seen on. */
  readonly object: string;
  /** What happened, in the user's terms. */
  readonly message: string;
  /** What to do about it. */
  readonly hint: string;
}

export interface RolloutStatus {
  readonly phase: RolloutPhase;
  readonly desired: number;
  readonly updated: number;
  readonly ready: number;
  readonly available: number;
  /** One line for a progress notification. */
  readonly summary: string;
  readonly problems: readonly RolloutProblem[];
}

/** Free GPUs per product (from GPU accounting), used to say where GPUs are free. */
export type FreeGpus = ReadonlyMap<
  string,
  { readonly free: number; readonly largestOnOneNode: number }
>;

export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';

function firstLine(text: string | undefined): string {
  return (text ?? '').split('\n')[0].trim();
}

function freeGpuSentence(freeGpus: FreeGpus | undefined): string {
  if (!freeGpus || freeGpus.size === 0) return 'No GPU node has free GPUs right now.';
  const parts = [...freeGpus.entries()]
    .filter(([, value]) => value.free > 0)
    .sort((a, b) => b[1].largestOnOneNode - a[1].largestOnOneNode)
    .map(
      ([product, value]) =>
        `${product}: ${value.free} free (at most ${value.largestOnOneNode} on one node)`,
    );
  return parts.length > 0
    ? `Free GPUs: ${parts.join('; ')}.`
    : 'No GPU node has free GPUs right now.';
}

/** Explains a scheduler message ("0/5 nodes are available: 4 Insufficient nvidia.com/gpu, ..."). */
export function explainSchedulingFailure(
  object: string,
  message: string,
  requestedGpus: number,
  freeGpus?: FreeGpus,
): RolloutProblem {
  if (lacksGpus(message)) {
    return {
      kind: 'insufficientGpu',
      object,
      message: `Pod ${object} cannot be scheduled: no node has ${requestedGpus} free GPU${requestedGpus === 1 ? '' : 's'} (scheduler: ${firstLine(message)}).`,
      hint: `${freeGpuSentence(freeGpus)} Ask for fewer GPUs per replica, pick a product with free GPUs, or wait for GPUs to free up.`,
    };
  }
  return {
    kind: 'unschedulable',
    object,
    message: `Pod ${object} cannot be scheduled: ${firstLine(message)}`,
    hint: /taint/i.test(message)
      ? 'The nodes with room carry taints the pod does not tolerate; check the GPU product and node labels.'
      : "Check the requested CPU, memory and node selector against the nodes' free capacity.",
  };
}

function podProblems(
  pod: V1Pod,
  requestedGpus: number,
  freeGpus: FreeGpus | undefined,
): RolloutProblem[] {
  const name = pod.metadata?.name ?? 'pod';
  const problems: RolloutProblem[] = [];
  const scheduled = pod.status?.conditions?.find((condition) => condition.type === 'PodScheduled');
  if (
    scheduled?.status === 'False' &&
    scheduled.reason === 'Unschedulable' &&
    !waitsForVolume(scheduled.message ?? '')
  ) {
    problems.push(explainSchedulingFailure(name, scheduled.message ?? '', requestedGpus, freeGpus));
  }
  for (const container of pod.status?.containerStatuses ?? []) {
    const waiting = container.state?.waiting;
    if (
      waiting &&
      /ErrImagePull|ImagePullBackOff|InvalidImageName|ErrImageNeverPull/.test(waiting.reason ?? '')
    ) {
      problems.push({
        kind: 'imagePull',
        object: name,
        message: `Pod ${name} cannot pull image "${container.image}" (${waiting.reason}): ${firstLine(waiting.message)}`,
        hint: 'Check the image name and tag, that the registry is reachable from the cluster, and that an imagePullSecret is set for a private registry.',
      });
    }
    const terminated = container.lastState?.terminated ?? container.state?.terminated;
    if (terminated?.reason === 'OOMKilled') {
      problems.push({
        kind: 'oomKilled',
        object: name,
        message: `The server in pod ${name} ran out of memory and was killed (OOMKilled, restarts: ${container.restartCount}).`,
        hint: 'Raise the memory limit (the weights are loaded into host memory first), or serve a smaller or quantised model.',
      });
    } else if (waiting?.reason === 'CrashLoopBackOff') {
      problems.push({
        kind: 'crashLoop',
        object: name,
        message: `The server in pod ${name} keeps exiting (CrashLoopBackOff, exit code ${terminated?.exitCode ?? '?'}${terminated?.reason ? `, ${terminated.reason}` : ''}).`,
        hint: 'View Logs on the endpoint to see why it exits; a wrong model path or an unsupported model format are common causes.',
      });
    }
  }
  return problems;
}

function eventProblems(
  events: readonly CoreV1Event[],
  requestedGpus: number,
  freeGpus: FreeGpus | undefined,
  podNames: ReadonlySet<string>,
): RolloutProblem[] {
  const problems: RolloutProblem[] = [];
  for (const event of events) {
    if (event.type !== 'Warning') continue;
    const object = event.involvedObject?.name ?? '';
    const message = event.message ?? '';
    const attach = podNames.has(object) ? explainVolumeAttach(event.reason, message) : undefined;
    if (attach) {
      problems.push({
        kind: 'volumeAttach',
        object,
        message: `Pod ${object} cannot start: ${attach}`,
        hint: 'Serve one replica, or from a copy of the model in its own volume, or choose a storage class with ReadWriteMany access (NFS, Filestore, EFS, CephFS) for volumes that several nodes share.',
      });
    } else if (event.reason === 'FailedScheduling' && podNames.has(object)) {
      if (!waitsForVolume(message))
        problems.push(explainSchedulingFailure(object, message, requestedGpus, freeGpus));
    } else if (event.reason === 'Unhealthy' && podNames.has(object)) {
      const which = /^(Readiness|Liveness|Startup) probe/i.exec(message)?.[1] ?? 'Health';
      problems.push({
        kind: 'probeFailing',
        object,
        message: `${which} probe of pod ${object} is failing: ${firstLine(message)}`,
        hint:
          which.toLowerCase() === 'liveness'
            ? 'The server stopped answering its health path and will be restarted; check View Logs for hangs or GPU errors.'
            : 'The server is not answering its health path yet; large models take minutes to load. If it never does, check the port and health path, and View Logs.',
      });
    } else if (event.reason === 'FailedCreate' && /exceeded quota/i.test(message)) {
      problems.push({
        kind: 'quota',
        object,
        message: `Cannot create pods: ${firstLine(message)}`,
        hint: 'Ask for fewer GPUs/CPU/memory or replicas, or ask an admin to raise the namespace quota.',
      });
    } else if (event.reason === 'FailedCreate' && /violates PodSecurity/i.test(message)) {
      problems.push({
        kind: 'podSecurity',
        object,
        message: `Pod Security admission refused the pods: ${firstLine(message)}`,
        hint: 'Keep restricted pod security on, or use an image that runs as a non-root user.',
      });
    } else if (
      /Failed|BackOff/.test(event.reason ?? '') &&
      /pull/i.test(message) &&
      podNames.has(object)
    ) {
      problems.push({
        kind: 'imagePull',
        object,
        message: `Pod ${object}: ${firstLine(message)}`,
        hint: 'Check the image name and tag, registry access and imagePullSecrets.',
      });
    }
  }
  return problems;
}

function dedupe(problems: RolloutProblem[]): RolloutProblem[] {
  const seen = new Set<string>();
  return problems.filter((problem) => {
    const key = `${problem.kind}/${problem.object}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** GPUs one pod of the Deployment asks for. */
export function requestedGpusOf(deployment: V1Deployment): number {
  return podSpecGpus(deployment.spec?.template.spec);
}

/**
 * Where a rollout stands, from the Deployment's status and conditions, its pods and the Warning
 * events about them: the same signals `kubectl rollout status` and `kubectl describe` show.
 */
export function interpretRollout(input: {
  deployment: V1Deployment;
  pods: readonly V1Pod[];
  events: readonly CoreV1Event[];
  freeGpus?: FreeGpus;
}): RolloutStatus {
  const { deployment, freeGpus } = input;
  const status = deployment.status ?? {};
  const desired = deployment.spec?.replicas ?? 1;
  const updated = status.updatedReplicas ?? 0;
  const ready = status.readyReplicas ?? 0;
  const available = status.availableReplicas ?? 0;
  const total = status.replicas ?? 0;
  const gpus = requestedGpusOf(deployment);
  const livePods = input.pods.filter((pod) => !pod.metadata?.deletionTimestamp);
  const podNames = new Set(livePods.map((pod) => pod.metadata?.name ?? ''));
  const ownNames = new Set([...podNames, deployment.metadata?.name ?? '']);
  const problems = dedupe([
    ...livePods.flatMap((pod) => podProblems(pod, gpus, freeGpus)),
    ...eventProblems(
      input.events.filter(
        (event) =>
          ownNames.has(event.involvedObject?.name ?? '') ||
          (event.involvedObject?.kind === 'ReplicaSet' &&
            (event.involvedObject.name ?? '').startsWith(`${deployment.metadata?.name}-`)),
      ),
      gpus,
      freeGpus,
      podNames,
    ),
  ]);
  const progressing = status.conditions?.find((condition) => condition.type === 'Progressing');
  const counts = { desired, updated, ready, available };
  if (progressing?.status === 'False' && progressing.reason === 'ProgressDeadlineExceeded') {
    const deadline: RolloutProblem = {
      kind: 'progressDeadline',
      object: deployment.metadata?.name ?? '',
      message: `The rollout made no progress for ${deployment.spec?.progressDeadlineSeconds ?? 600} s (ProgressDeadlineExceeded).`,
      hint: 'See the problems listed for its pods; Roll Back returns to the previous revision.',
    };
    return {
      phase: 'failed',
      ...counts,
      summary: problems[0]?.message ?? deadline.message,
      problems: [...problems, deadline],
    };
  }
  const observed = (status.observedGeneration ?? 0) >= (deployment.metadata?.generation ?? 0);
  if (observed && desired === 0)
    return { phase: 'scaledToZero', ...counts, summary: 'Scaled to zero replicas.', problems: [] };
  const complete = observed && updated >= desired && total === updated && available >= desired;
  if (complete)
    return {
      phase: 'available',
      ...counts,
      summary: `Available: ${available}/${desired} replica${desired === 1 ? '' : 's'} ready.`,
      problems: [],
    };
  // Insufficient GPUs, image pull failures and OOM kills will not fix themselves; probe failures during model load might.
  const fatal = problems.find((problem) => problem.kind !== 'probeFailing');
  if (fatal) return { phase: 'failed', ...counts, summary: fatal.message, problems };
  const waitingFor = !observed
    ? 'waiting for the controller'
    : updated < desired
      ? `${updated}/${desired} replicas updated`
      : total > updated
        ? `${total - updated} old replica${total - updated === 1 ? '' : 's'} terminating`
        : `${available}/${desired} replicas available`;
  return {
    phase: 'progressing',
    ...counts,
    summary: `Rolling out: ${waitingFor}${problems[0] ? `; ${problems[0].message}` : ''}.`,
    problems,
  };
}

function revisionOf(object: { metadata?: { annotations?: Record<string, string> } }): number {
  return Number(object.metadata?.annotations?.[REVISION_ANNOTATION] ?? 0);
}

/**
 * The ReplicaSet holding the revision before the Deployment's current one, or undefined when
 * there is none (first deploy, or history trimmed).
 */
export function previousReplicaSet(
  deployment: V1Deployment,
  replicaSets: readonly V1ReplicaSet[],
): V1ReplicaSet | undefined {
  const uid = deployment.metadata?.uid;
  const owned = replicaSets.filter(
    (replicaSet) =>
      !uid || replicaSet.metadata?.ownerReferences?.some((owner) => owner.uid === uid),
  );
  const current = revisionOf(deployment);
  return owned
    .filter((replicaSet) => revisionOf(replicaSet) < current && revisionOf(replicaSet) > 0)
    .sort((a, b) => revisionOf(b) - revisionOf(a))[0];
}

export function revisionNumber(object: {
  metadata?: { annotations?: Record<string, string> };
}): number {
  return revisionOf(object);
}
