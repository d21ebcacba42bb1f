import type {
  V1Container,
  V1EnvVar,
  V1PodTemplateSpec,
  V1Volume,
  V1VolumeMount,
} from '@kubernetes/client-node';
import { gpuPlacement } from '../../cluster/gpu/placement';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../../cluster/workloadRef';
import { CODE_MOUNT_PATH, type JobSpec } from './jobSpec';
import { containerSecurityContext, podSecurityContext } from '../../cluster/podSecurity';

export const RUN_LABEL = 'kube-ml.dev/run';
export const RUNTIME_LABEL = 'kube-ml.dev/runtime';
/** Where the init container finds the packed code parts (one file per Secret). */
export const PACKED_CODE_PATH = '/kubeml/code-parts';

/** Labels on every object of a run (and its pods, where the runtime lets us set them). */
export function runLabels(name: string, runtime: string): Record<string, string> {
  return { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [RUN_LABEL]: name, [RUNTIME_LABEL]: runtime };
}

/** Name of the i-th Secret holding a packed folder. */
export function codePartName(runName: string, index: number): string {
  return `${runName}-code-${index}`;
}

/** Container hardening: the "restricted" Pod Security Standard, or no privilege escalation when it is off. */
export function restrictedContainerSecurity(
  spec: Pick<JobSpec, 'restrictedPodSecurity'>,
): V1Container['securityContext'] {
  return containerSecurityContext(spec.restrictedPodSecurity);
}

/**
 * python/python3 becomes torchrun when the run spans several processes: torchrun reads its
 * rendezvous settings from the PET_* variables we (or the Kubeflow operator) set.
 */
export function launchCommand(
  spec: Pick<JobSpec, 'command' | 'workers' | 'gpusPerWorker'>,
): string[] {
  const [program, ...rest] = spec.command;
  const distributed = spec.workers > 1 || spec.gpusPerWorker > 1;
  if (distributed && /^python[0-9.]*$/.test(program ?? '')) {
    return ['torchrun', ...rest];
  }
  return [...spec.command];
}

export interface PodTemplateOptions {
  readonly runtime: string;
  readonly containerName: string;
  /** Defaults to the spec's command/args; Ray passes its own. */
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly extraEnv?: readonly V1EnvVar[];
  /** GPUs for this pod (Ray heads get none). */
  readonly gpus?: number;
  /** Number of Secrets holding the packed folder (packedFolder code only). */
  readonly codeParts?: number;
  readonly subdomain?: string;
  readonly restartPolicy?: 'Never' | 'OnFailure';
  /** Pod labels; false when the runtime labels pods itself (TrainJob). */
  readonly podLabels?: Record<string, string> | false;
}

interface CodeWiring {
  readonly volumes: V1Volume[];
  readonly mounts: V1VolumeMount[];
  readonly initContainers: V1Container[];
  readonly workingDir?: string;
}

function codeWiring(
  spec: JobSpec,
  options: PodTemplateOptions,
  securityContext: V1Container['securityContext'],
): CodeWiring {
  const code = spec.code;
  if (code.kind === 'devPodVolume') {
    // The same claim at the same path as in the dev pod, so relative paths behave the same.
    return {
      volumes: [{ name: 'workspace', persistentVolumeClaim: { claimName: code.claimName } }],
      mounts: [{ name: 'workspace', mountPath: code.mountPath }],
      initContainers: [],
      workingDir: code.mountPath,
    };
  }
  if (code.kind === 'packedFolder') {
    const parts = options.codeParts ?? 1;
    const sources = Array.from({ length: parts }, (_, index) => ({
      secret: {
        name: codePartName(spec.name, index),
        items: [{ key: 'part', path: `part-${String(index).padStart(3, '0')}` }],
      },
    }));
    return {
      volumes: [
        { name: 'workspace', emptyDir: {} },
        { name: 'code-parts', projected: { sources } },
      ],
      mounts: [{ name: 'workspace', mountPath: CODE_MOUNT_PATH }],
      initContainers: [
        {
          name: 'unpack-code',
          image: spec.image,
          // The parts are one gzip stream split to fit Secrets; the glob sorts them in order.
          command: [
            'sh',
            '-c',
            `cat ${PACKED_CODE_PATH}/part-* | tar -xzf - -C ${CODE_MOUNT_PATH}`,
          ],
          volumeMounts: [
            { name: 'workspace', mountPath: CODE_MOUNT_PATH },
            { name: 'code-parts', mountPath: PACKED_CODE_PATH, readOnly: true },
          ],
          securityContext,
        },
      ],
      workingDir: CODE_MOUNT_PATH,
    };
  }
  return { volumes: [], mounts: [], initContainers: [] };
}

/** The pod template every runtime shares: hardened, GPU-aware, with the code mounted. */
export function buildPodTemplate(spec: JobSpec, options: PodTemplateOptions): V1PodTemplateSpec {
  const gpu = gpuPlacement(options.gpus ?? spec.gpusPerWorker, spec.gpuProduct);
  const securityContext = restrictedContainerSecurity(spec);
  const code = codeWiring(spec, options, securityContext);
  const cpu: Record<string, string> = spec.cpu ? { cpu: spec.cpu } : {};
  const memory: Record<string, string> = spec.memory ? { memory: spec.memory } : {};
  const requests = { ...cpu, ...memory, ...gpu?.resources };
  const limits = { ...memory, ...gpu?.resources };
  const env: V1EnvVar[] = [
    // Non-root users often have no writable home; caches (pip, Hugging Face) need one.
    { name: 'HOME', value: '/tmp' },
    ...Object.entries(spec.env).map(([name, value]) => ({ name, value })),
    ...(options.extraEnv ?? []),
  ];
  const container: V1Container = {
    name: options.containerName,
    image: spec.image,
    command: [...(options.command ?? launchCommand(spec))],
    args: [...(options.args ?? spec.args)],
    env,
    workingDir: code.workingDir,
    resources: Object.keys(requests).length > 0 ? { requests, limits } : undefined,
    // PyTorch data loaders share tensors through /dev/shm, which defaults to 64 MiB.
    volumeMounts: [...code.mounts, { name: 'dshm', mountPath: '/dev/shm' }],
    securityContext,
  };
  const labels =
    options.podLabels === false
      ? undefined
      : (options.podLabels ?? runLabels(spec.name, options.runtime));
  const annotations =
    Object.keys(spec.podAnnotations).length > 0 ? { ...spec.podAnnotations } : undefined;
  return {
    metadata: { labels, annotations },
    spec: {
      restartPolicy: options.restartPolicy ?? 'Never',
      subdomain: options.subdomain,
      // Training code needs no API credentials; the default service account's token stays out.
      automountServiceAccountToken: false,
      securityContext: podSecurityContext(spec.restrictedPodSecurity),
      initContainers: code.initContainers.length > 0 ? code.initContainers : undefined,
      containers: [container],
      volumes: [...code.volumes, { name: 'dshm', emptyDir: { medium: 'Memory' } }],
      tolerations: gpu?.scheduling.tolerations,
      nodeSelector: gpu?.scheduling.nodeSelector,
    },
  };
}

/** Drops undefined fields so manifests compare and serialize cleanly. */
export function pruneUndefined<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
