import type {
  KubernetesObject,
  V1EnvVar,
  V1Job,
  V1Secret,
  V1Service,
} from '@kubernetes/client-node';
import type { ControllerRef, WorkloadRef } from '../../cluster/workloadRef';
import type { JobSpec } from './jobSpec';
import type { Runtime } from './runtime';
import { OPTIONAL_APIS } from './runtime';
import {
  buildPodTemplate,
  codePartName,
  pruneUndefined,
  runLabels,
  RUN_LABEL,
} from './podTemplate';

export const KUEUE_QUEUE_LABEL = 'kueue.x-k8s.io/queue-name';
/** The spec a run was made from, kept on the run's top object so Re-run can rebuild it. */
export const SPEC_ANNOTATION = 'kube-ml.dev/spec';
export const CANCELLED_ANNOTATION = 'kube-ml.dev/cancelled';
export const COMPLETION_INDEX_ANNOTATION = 'batch.kubernetes.io/job-completion-index';

export interface ManifestOptions {
  readonly namespace: string;
  readonly runtime: Runtime;
  /** Set only when Kueue is installed. */
  readonly queue?: string;
  /** Number of Secrets the packed folder was split into. */
  readonly codeParts?: number;
}

/** A custom object with free-form spec/status, as the CRD runtimes are. */
export interface CustomObject extends KubernetesObject {
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

function topMetadata(spec: JobSpec, options: ManifestOptions): KubernetesObject['metadata'] {
  const labels = runLabels(spec.name, options.runtime);
  if (options.queue) {
    labels[KUEUE_QUEUE_LABEL] = options.queue;
  }
  return {
    name: spec.name,
    namespace: options.namespace,
    labels,
    annotations: { [SPEC_ANNOTATION]: JSON.stringify(spec) },
  };
}

/** Rendezvous variables torchrun (PET_*) and plain torch.distributed (MASTER_*, RANK) read. */
export function rendezvousEnv(spec: JobSpec): V1EnvVar[] {
  const masterAddr = `${spec.name}-0.${spec.name}`;
  // Each rank reads the completion index itself rather than through $(VAR) expansion, which
  // only resolves variables defined earlier in the list and is easy to break when editing.
  const completionIndex = (name: string): V1EnvVar => ({
    name,
    valueFrom: {
      fieldRef: { fieldPath: `metadata.annotations['${COMPLETION_INDEX_ANNOTATION}']` },
    },
  });
  return [
    completionIndex('NODE_RANK'),
    completionIndex('RANK'),
    { name: 'MASTER_ADDR', value: masterAddr },
    { name: 'MASTER_PORT', value: String(spec.masterPort) },
    { name: 'WORLD_SIZE', value: String(spec.workers) },
    { name: 'PET_NNODES', value: String(spec.workers) },
    { name: 'PET_NPROC_PER_NODE', value: String(Math.max(1, spec.gpusPerWorker)) },
    completionIndex('PET_NODE_RANK'),
    { name: 'PET_MASTER_ADDR', value: masterAddr },
    { name: 'PET_MASTER_PORT', value: String(spec.masterPort) },
  ];
}

/**
 * Kueue admits a queued workload by unsuspending it; creating it suspended means no pod starts
 * before admission even if Kueue's webhook is slow or not configured to suspend it.
 */
function suspendedForQueue(options: ManifestOptions): true | undefined {
  return options.queue ? true : undefined;
}

/** One worker; torchrun (for several GPUs) runs standalone. */
export function buildJob(spec: JobSpec, options: ManifestOptions): V1Job {
  const extraEnv: V1EnvVar[] =
    spec.gpusPerWorker > 1
      ? [
          { name: 'PET_NPROC_PER_NODE', value: String(spec.gpusPerWorker) },
          { name: 'PET_STANDALONE', value: '1' },
        ]
      : [];
  return pruneUndefined({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: topMetadata(spec, options),
    spec: {
      suspend: suspendedForQueue(options),
      backoffLimit: spec.backoffLimit,
      activeDeadlineSeconds: spec.activeDeadlineSeconds,
      template: buildPodTemplate(spec, {
        runtime: options.runtime,
        containerName: 'trainer',
        extraEnv,
        codeParts: options.codeParts,
      }),
    },
  });
}

/**
 * Several workers on any cluster: pod i is <name>-i.<name> through the headless Service, and
 * its completion index is its node rank. All workers must run at once, so parallelism =
 * completions, and one failure fails the run (a lost worker breaks the rendezvous anyway).
 */
export function buildIndexedJob(spec: JobSpec, options: ManifestOptions): V1Job {
  return pruneUndefined({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: topMetadata(spec, options),
    spec: {
      suspend: suspendedForQueue(options),
      completionMode: 'Indexed',
      completions: spec.workers,
      parallelism: spec.workers,
      backoffLimit: spec.backoffLimit,
      activeDeadlineSeconds: spec.activeDeadlineSeconds,
      template: buildPodTemplate(spec, {
        runtime: options.runtime,
        containerName: 'trainer',
        extraEnv: rendezvousEnv(spec),
        subdomain: spec.name,
        codeParts: options.codeParts,
      }),
    },
  });
}

/** Gives every worker a stable DNS name before it is ready (rendezvous happens before readiness). */
export function buildHeadlessService(spec: JobSpec, options: ManifestOptions): V1Service {
  return pruneUndefined({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: spec.name,
      namespace: options.namespace,
      labels: runLabels(spec.name, options.runtime),
    },
    spec: {
      clusterIP: 'None',
      publishNotReadyAddresses: true,
      selector: { [RUN_LABEL]: spec.name },
      ports: [
        { name: 'rendezvous', port: spec.masterPort, targetPort: spec.masterPort, protocol: 'TCP' },
      ],
    },
  });
}

/** Kubeflow Training Operator v1: one Master plus workers-1 Workers; the operator sets MASTER_ADDR/RANK. */
export function buildPyTorchJob(spec: JobSpec, options: ManifestOptions): CustomObject {
  const api = OPTIONAL_APIS.pytorchJob;
  const template = buildPodTemplate(spec, {
    runtime: options.runtime,
    containerName: 'pytorch',
    codeParts: options.codeParts,
  });
  const replicaSpecs: Record<string, unknown> = {
    Master: { replicas: 1, restartPolicy: 'Never', template },
  };
  if (spec.workers > 1) {
    replicaSpecs.Worker = { replicas: spec.workers - 1, restartPolicy: 'Never', template };
  }
  return pruneUndefined({
    apiVersion: `${api.group}/${api.version}`,
    kind: api.kind,
    metadata: topMetadata(spec, options),
    spec: {
      nprocPerNode: String(Math.max(1, spec.gpusPerWorker)),
      runPolicy: {
        backoffLimit: spec.backoffLimit,
        activeDeadlineSeconds: spec.activeDeadlineSeconds,
        cleanPodPolicy: 'None',
        suspend: suspendedForQueue(options),
      },
      pytorchReplicaSpecs: replicaSpecs,
    },
  });
}

/** The ClusterTrainingRuntime the Kubeflow Trainer ships for torchrun jobs. */
export const TRAINJOB_RUNTIME = 'torch-distributed';

/**
 * Kubeflow Trainer v2: the runtime (a JobSet underneath) owns the pod template; we override
 * what the spec needs through podSpecOverrides. Its pods are labelled by JobSet, not by us.
 */
export function buildTrainJob(spec: JobSpec, options: ManifestOptions): CustomObject {
  const api = OPTIONAL_APIS.trainJob;
  const template = buildPodTemplate(spec, {
    runtime: options.runtime,
    containerName: 'node',
    codeParts: options.codeParts,
    podLabels: false,
  });
  const podSpec = template.spec!;
  const container = podSpec.containers[0]!;
  return pruneUndefined({
    apiVersion: `${api.group}/${api.version}`,
    kind: api.kind,
    metadata: topMetadata(spec, options),
    spec: {
      suspend: suspendedForQueue(options),
      runtimeRef: { name: TRAINJOB_RUNTIME, apiGroup: api.group, kind: 'ClusterTrainingRuntime' },
      trainer: {
        image: spec.image,
        command: container.command,
        args: container.args,
        env: container.env,
        numNodes: spec.workers,
        numProcPerNode: Math.max(1, spec.gpusPerWorker),
        resourcesPerNode: container.resources,
      },
      annotations: template.metadata?.annotations,
      podSpecOverrides: [
        {
          targetJobs: [{ name: 'node' }],
          securityContext: podSpec.securityContext,
          tolerations: podSpec.tolerations,
          nodeSelector: podSpec.nodeSelector,
          volumes: podSpec.volumes,
          initContainers: podSpec.initContainers,
          containers: [{ name: 'node', volumeMounts: container.volumeMounts }],
        },
      ],
    },
  });
}

/** POSIX shell quoting for Ray's entrypoint, which is one shell command line. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_\-.,/:=@+%]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** KubeRay: a head (no GPUs) and `workers` GPU workers; Ray runs the entrypoint as the driver. */
export function buildRayJob(spec: JobSpec, options: ManifestOptions): CustomObject {
  const api = OPTIONAL_APIS.rayJob;
  const workingDir = buildPodTemplate(spec, {
    runtime: options.runtime,
    containerName: 'probe',
    codeParts: options.codeParts,
  }).spec?.containers[0]?.workingDir;
  const line = [...spec.command, ...spec.args].map(shellQuote).join(' ');
  const rayTemplate = (containerName: string, command: string, gpus: number) =>
    buildPodTemplate(spec, {
      runtime: options.runtime,
      containerName,
      command: ['sh', '-c', command],
      args: [],
      gpus,
      codeParts: options.codeParts,
    });
  return pruneUndefined({
    apiVersion: `${api.group}/${api.version}`,
    kind: api.kind,
    metadata: topMetadata(spec, options),
    spec: {
      suspend: suspendedForQueue(options),
      entrypoint: workingDir ? `cd ${shellQuote(workingDir)} && ${line}` : line,
      shutdownAfterJobFinishes: true,
      backoffLimit: spec.backoffLimit,
      activeDeadlineSeconds: spec.activeDeadlineSeconds,
      rayClusterSpec: {
        headGroupSpec: {
          rayStartParams: {},
          template: rayTemplate('ray-head', 'ray start --head --block --dashboard-host=0.0.0.0', 0),
        },
        workerGroupSpecs: [
          {
            groupName: 'gpu-workers',
            replicas: spec.workers,
            minReplicas: spec.workers,
            maxReplicas: spec.workers,
            rayStartParams: {},
            template: rayTemplate(
              'ray-worker',
              'ray start --address=$RAY_IP:6379 --block',
              spec.gpusPerWorker,
            ),
          },
        ],
      },
    },
  });
}

/**
 * The packed folder as Secrets of one part each. Code can hold what its author did not mean to
 * share (a token in a config file): Secrets are hidden from the "view" role that reads ConfigMaps.
 */
export function buildCodeSecrets(
  runName: string,
  namespace: string,
  runtime: Runtime,
  parts: readonly Uint8Array[],
): V1Secret[] {
  return parts.map((part, index) => ({
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    metadata: {
      name: codePartName(runName, index),
      namespace,
      labels: runLabels(runName, runtime),
    },
    data: { part: Buffer.from(part).toString('base64') },
  }));
}

/** Top object first (the others get it as owner), then what its pods need. */
export function buildRunManifests(spec: JobSpec, options: ManifestOptions): KubernetesObject[] {
  switch (options.runtime) {
    case 'job':
      return [buildJob(spec, options)];
    case 'indexedJob':
      return [buildIndexedJob(spec, options), buildHeadlessService(spec, options)];
    case 'pytorchJob':
      return [buildPyTorchJob(spec, options)];
    case 'trainJob':
      return [buildTrainJob(spec, options)];
    case 'rayJob':
      return [buildRayJob(spec, options)];
  }
}

/** Label selector of a run's pods (TrainJob pods are labelled by JobSet, not by us). */
export function runPodSelector(runtime: Runtime, name: string): string {
  return runtime === 'trainJob' ? `jobset.sigs.k8s.io/jobset-name=${name}` : `${RUN_LABEL}=${name}`;
}

/** A run's top object: it controls the run's pods, directly or through a JobSet, RayCluster or Job. */
export function runController(runtime: Runtime, name: string): ControllerRef {
  if (runtime === 'job' || runtime === 'indexedJob')
    return { apiVersion: 'batch/v1', kind: 'Job', name };
  const api = OPTIONAL_APIS[runtime];
  return { apiVersion: `${api.group}/${api.version}`, kind: api.kind, name };
}

/** A run as a workload for logs, terminals and forwards: its pods by label, owned by its top object. */
export function runWorkload(run: {
  readonly namespace: string;
  readonly name: string;
  readonly runtime: Runtime;
}): WorkloadRef {
  return {
    kind: 'Job',
    namespace: run.namespace,
    name: run.name,
    podSelector: runPodSelector(run.runtime, run.name),
    controller: runController(run.runtime, run.name),
  };
}
