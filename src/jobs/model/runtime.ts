import { KubeMlError } from '../../cluster/errors';
import type { JobSpec, RuntimePreference } from './jobSpec';

export type Runtime = 'job' | 'indexedJob' | 'pytorchJob' | 'trainJob' | 'rayJob';

/** The custom resources we can use, as API discovery reports them. */
export interface ClusterCapabilities {
  readonly trainJob: boolean;
  readonly pytorchJob: boolean;
  readonly rayJob: boolean;
  readonly kueue: boolean;
}

export const NO_CAPABILITIES: ClusterCapabilities = {
  trainJob: false,
  pytorchJob: false,
  rayJob: false,
  kueue: false,
};

/** Group/version/plural of every optional API we look for. */
export const OPTIONAL_APIS = {
  trainJob: {
    group: 'trainer.kubeflow.org',
    version: 'v1alpha1',
    plural: 'trainjobs',
    kind: 'TrainJob',
  },
  pytorchJob: { group: 'kubeflow.org', version: 'v1', plural: 'pytorchjobs', kind: 'PyTorchJob' },
  rayJob: { group: 'ray.io', version: 'v1', plural: 'rayjobs', kind: 'RayJob' },
  kueueWorkload: {
    group: 'kueue.x-k8s.io',
    version: 'v1beta1',
    plural: 'workloads',
    kind: 'Workload',
  },
  kueueLocalQueue: {
    group: 'kueue.x-k8s.io',
    version: 'v1beta1',
    plural: 'localqueues',
    kind: 'LocalQueue',
  },
} as const;

/** Resource plurals served per group/version ("ray.io/v1" -> {"rayjobs", ...}). */
export type DiscoveredResources = ReadonlyMap<string, ReadonlySet<string>>;

export function capabilitiesFrom(discovered: DiscoveredResources): ClusterCapabilities {
  const has = (api: { group: string; version: string; plural: string }): boolean =>
    discovered.get(`${api.group}/${api.version}`)?.has(api.plural) ?? false;
  return {
    trainJob: has(OPTIONAL_APIS.trainJob),
    pytorchJob: has(OPTIONAL_APIS.pytorchJob),
    rayJob: has(OPTIONAL_APIS.rayJob),
    kueue: has(OPTIONAL_APIS.kueueWorkload) && has(OPTIONAL_APIS.kueueLocalQueue),
  };
}

export const RUNTIME_LABELS: Readonly<Record<Runtime, string>> = {
  job: 'Job (one worker)',
  indexedJob: 'Indexed Job + headless Service (torchrun rendezvous)',
  pytorchJob: 'Kubeflow PyTorchJob (kubeflow.org/v1)',
  trainJob: 'Kubeflow TrainJob (trainer.kubeflow.org/v1alpha1)',
  rayJob: 'KubeRay RayJob (ray.io/v1)',
};

export interface RuntimeChoice {
  readonly runtime: Runtime;
  /** Why this runtime, shown to the user before submitting. */
  readonly reason: string;
}

/** Runtimes the cluster can run for `workers` workers, best first. */
export function availableRuntimes(workers: number, capabilities: ClusterCapabilities): Runtime[] {
  if (workers <= 1) {
    return ['job', ...(capabilities.rayJob ? (['rayJob'] as const) : [])];
  }
  const runtimes: Runtime[] = [];
  if (capabilities.trainJob) runtimes.push('trainJob');
  if (capabilities.pytorchJob) runtimes.push('pytorchJob');
  runtimes.push('indexedJob');
  if (capabilities.rayJob) runtimes.push('rayJob');
  return runtimes;
}

/**
 * The runtime for a spec: an explicit preference must be installed (and fit the worker count);
 * `auto` takes a plain Job for one worker and, for several, the Kubeflow trainer when installed
 * (it handles restarts and elastic policies) or else an Indexed Job, which every cluster has.
 * RayJob is never picked automatically: the script must be written for Ray.
 */
export function chooseRuntime(
  spec: Pick<JobSpec, 'workers' | 'runtime'>,
  capabilities: ClusterCapabilities,
): RuntimeChoice {
  const preference: RuntimePreference = spec.runtime;
  if (preference === 'auto') {
    if (spec.workers <= 1) {
      return { runtime: 'job', reason: 'One worker: a plain Kubernetes Job.' };
    }
    if (capabilities.trainJob) {
      return {
        runtime: 'trainJob',
        reason: `${spec.workers} workers and the Kubeflow Trainer (TrainJob CRD) is installed.`,
      };
    }
    if (capabilities.pytorchJob) {
      return {
        runtime: 'pytorchJob',
        reason: `${spec.workers} workers and the Kubeflow Training Operator (PyTorchJob CRD) is installed.`,
      };
    }
    return {
      runtime: 'indexedJob',
      reason: `${spec.workers} workers and no Kubeflow trainer on this cluster: an Indexed Job with a headless Service and torchrun rendezvous environment.`,
    };
  }
  const installed: Record<Runtime, boolean> = {
    job: true,
    indexedJob: true,
    pytorchJob: capabilities.pytorchJob,
    trainJob: capabilities.trainJob,
    rayJob: capabilities.rayJob,
  };
  if (!installed[preference]) {
    const api = OPTIONAL_APIS[preference as 'pytorchJob' | 'trainJob' | 'rayJob'];
    throw new KubeMlError(
      'invalidInput',
      `The runtime "${preference}" needs the ${api.kind} CRD (${api.group}/${api.version}), which this cluster does not serve.`,
      `Use runtime "auto" (available here: ${availableRuntimes(spec.workers, capabilities).join(', ')}), or ask an admin to install it.`,
    );
  }
  if (preference === 'job' && spec.workers > 1) {
    throw new KubeMlError(
      'invalidInput',
      `The runtime "job" runs one worker, but ${spec.workers} were asked for.`,
      'Use "indexedJob" (or "auto") for several workers.',
    );
  }
  return { runtime: preference, reason: `Requested in the spec (runtime: ${preference}).` };
}
