import { KubeMlError } from '../../cluster/errors';
import { validateDnsLabel } from '../../cluster/names';

/** Where the training code comes from. */
export type CodeSource =
  /** The workspace PVC of a dev pod, mounted as is (no copy): what the user edits is what runs. */
  | {
      readonly kind: 'devPodVolume';
      readonly devPod: string;
      readonly claimName: string;
      readonly mountPath: string;
    }
  /** A local folder packed (tar.gz) into Secrets and unpacked by an init container. */
  | { readonly kind: 'packedFolder'; readonly localPath: string }
  /** The code is already inside the image. */
  | { readonly kind: 'image' };

/** What the user asked for; `auto` lets API discovery decide (see chooseRuntime). */
export type RuntimePreference =
  'auto' | 'job' | 'indexedJob' | 'pytorchJob' | 'trainJob' | 'rayJob';

/** One training run as the user describes it (the flow, `.kubeml/job.yaml` and Re-run all produce this). */
export interface JobSpec {
  readonly name: string;
  readonly image: string;
  /** The program, e.g. ["python", "train.py"]; distributed runs swap python for torchrun. */
  readonly command: readonly string[];
  readonly args: readonly string[];
  readonly gpusPerWorker: number;
  readonly workers: number;
  /** nvidia.com/gpu.product label value to pin the GPU model, e.g. NVIDIA-H100-80GB-HBM3. */
  readonly gpuProduct?: string;
  readonly cpu?: string;
  readonly memory?: string;
  readonly code: CodeSource;
  readonly runtime: RuntimePreference;
  /** Kueue LocalQueue; only used when Kueue is installed. */
  readonly queue?: string;
  readonly env: Readonly<Record<string, string>>;
  /** Extra pod-template annotations (sidecar settings, schedulers, ...). */
  readonly podAnnotations: Readonly<Record<string, string>>;
  readonly backoffLimit: number;
  readonly activeDeadlineSeconds?: number;
  readonly masterPort: number;
  /** Pods pass the "restricted" Pod Security Standard unless the user opts out. */
  readonly restrictedPodSecurity: boolean;
}

/** Folder inside the container where the code lives (volume mount or unpacked folder). */
export const CODE_MOUNT_PATH = '/workspace';
export const DEFAULT_MASTER_PORT = 29500;
/**
 * Indexed Job pods are named <job>-<index>-<5 random>, and their hostname <job>-<index> must be a
 * DNS label, so run names leave room for the suffix and the "-rN" of re-runs.
 */
export const RUN_NAME_MAX = 50;
export const MAX_WORKERS = 128;
export const MAX_GPUS_PER_WORKER = 16;

/** Fills defaults; fields given as undefined keep their default. */
export function defaultJobSpec(
  partial: Partial<JobSpec> & Pick<JobSpec, 'name' | 'image' | 'command'>,
): JobSpec {
  const given = Object.fromEntries(
    Object.entries(partial).filter(([, value]) => value !== undefined),
  ) as typeof partial;
  return {
    args: [],
    gpusPerWorker: 0,
    workers: 1,
    code: { kind: 'image' },
    runtime: 'auto',
    env: {},
    podAnnotations: {},
    backoffLimit: 0,
    masterPort: DEFAULT_MASTER_PORT,
    restrictedPodSecurity: true,
    ...given,
  };
}

const QUANTITY = /^[0-9]+(\.[0-9]+)?(m|k|Ki|M|Mi|G|Gi|T|Ti)?$/;
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Every problem with a spec, each naming the field and the rule; empty when the spec is valid. */
export function jobSpecProblems(spec: JobSpec): string[] {
  const problems: string[] = [];
  const nameProblem = validateDnsLabel(spec.name, 'run name');
  if (nameProblem) {
    problems.push(nameProblem);
  } else if (spec.name.length > RUN_NAME_MAX) {
    problems.push(
      `run name "${spec.name}" is ${spec.name.length} characters long; the limit is ${RUN_NAME_MAX} (worker pod host names add "-<index>").`,
    );
  }
  if (!spec.image.trim() || /\s/.test(spec.image)) {
    problems.push(
      `image "${spec.image}" must be a non-empty image reference without spaces, e.g. "pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime".`,
    );
  }
  if (spec.command.length === 0 || spec.command.some((part) => part.length === 0)) {
    problems.push('command must name a program, e.g. ["python", "train.py"], with no empty parts.');
  }
  if (!Number.isInteger(spec.workers) || spec.workers < 1 || spec.workers > MAX_WORKERS) {
    problems.push(`workers must be a whole number from 1 to ${MAX_WORKERS} (got ${spec.workers}).`);
  }
  if (
    !Number.isInteger(spec.gpusPerWorker) ||
    spec.gpusPerWorker < 0 ||
    spec.gpusPerWorker > MAX_GPUS_PER_WORKER
  ) {
    problems.push(
      `gpusPerWorker must be a whole number from 0 to ${MAX_GPUS_PER_WORKER} (got ${spec.gpusPerWorker}).`,
    );
  }
  if (
    spec.gpuProduct !== undefined &&
    (!LABEL_VALUE.test(spec.gpuProduct) || spec.gpuProduct.length > 63)
  ) {
    problems.push(
      `gpuProduct "${spec.gpuProduct}" is not a valid label value (the nvidia.com/gpu.product label, e.g. NVIDIA-H100-80GB-HBM3).`,
    );
  }
  for (const [field, value] of [
    ['cpu', spec.cpu],
    ['memory', spec.memory],
  ] as const) {
    if (value !== undefined && !QUANTITY.test(value)) {
      problems.push(`${field} "${value}" is not a Kubernetes quantity (e.g. "4", "500m", "16Gi").`);
    }
  }
  if (spec.code.kind === 'devPodVolume') {
    if (validateDnsLabel(spec.code.devPod) || !spec.code.claimName) {
      problems.push(
        `code.devPod "${spec.code.devPod}" must name a dev pod that has a workspace volume.`,
      );
    }
    if (!spec.code.mountPath.startsWith('/')) {
      problems.push(`code.mountPath "${spec.code.mountPath}" must be an absolute path.`);
    }
  } else if (spec.code.kind === 'packedFolder' && !spec.code.localPath) {
    problems.push('code.localPath must name the local folder to pack.');
  }
  if (spec.queue !== undefined && validateDnsLabel(spec.queue, 'queue name')) {
    problems.push(validateDnsLabel(spec.queue, 'queue name') as string);
  }
  for (const name of Object.keys(spec.env)) {
    if (!ENV_NAME.test(name)) {
      problems.push(
        `env name "${name}" must consist of letters, digits, "_", "-" or "." and not start with a digit.`,
      );
    }
  }
  if (!Number.isInteger(spec.backoffLimit) || spec.backoffLimit < 0) {
    problems.push(`backoffLimit must be a whole number >= 0 (got ${spec.backoffLimit}).`);
  }
  if (
    spec.activeDeadlineSeconds !== undefined &&
    (!Number.isInteger(spec.activeDeadlineSeconds) || spec.activeDeadlineSeconds < 1)
  ) {
    problems.push(
      `activeDeadlineSeconds must be a whole number >= 1 (got ${spec.activeDeadlineSeconds}).`,
    );
  }
  if (!Number.isInteger(spec.masterPort) || spec.masterPort < 1 || spec.masterPort > 65535) {
    problems.push(`masterPort must be a port number from 1 to 65535 (got ${spec.masterPort}).`);
  }
  return problems;
}

/** Throws one 'invalidInput' KubeMlError listing every problem. */
export function assertValidJobSpec(spec: JobSpec, source = 'the training job'): void {
  const problems = jobSpecProblems(spec);
  if (problems.length > 0) {
    throw new KubeMlError(
      'invalidInput',
      `${source} is invalid: ${problems.join(' ')}`,
      'Fix the named fields and run it again.',
    );
  }
}

/** The name of the next re-run: train-a -> train-a-r2 -> train-a-r3. */
export function rerunName(name: string, existing: ReadonlySet<string>): string {
  const base = name.replace(/-r[0-9]+$/, '');
  for (let attempt = 2; ; attempt++) {
    const suffix = `-r${attempt}`;
    const candidate = `${base.slice(0, RUN_NAME_MAX - suffix.length).replace(/-+$/, '')}${suffix}`;
    if (!existing.has(candidate)) {
      return candidate;
    }
  }
}
