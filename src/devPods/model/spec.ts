import { validateDnsLabel, validateDnsSubdomain } from '../../cluster/names';
import { isByteQuantity, isCpuQuantity } from './quantities';
import type { ImagePresetId } from './presets';

/** Everything needed to (re)create one dev pod; stored on its workspace volume so Resume is identical. */
export interface DevPodSpec {
  readonly name: string;
  readonly namespace: string;
  /** undefined: CPU-only. `product` undefined: any GPU node. */
  readonly gpu?: { readonly product?: string; readonly count: number };
  readonly image: string;
  readonly imagePreset: ImagePresetId;
  /** Kubernetes quantities ("8", "500m"; "64Gi"). */
  readonly cpu: string;
  readonly memory: string;
  readonly workspace: { readonly size: string; readonly storageClass?: string };
  /** 0 turns idle shutdown off. */
  readonly idleMinutes: number;
  /** False only when the user turned off kubeMl.devPods.restrictedPodSecurity. */
  readonly restrictedPodSecurity: boolean;
}

export const MAX_GPUS_PER_DEV_POD = 16;
export const DEFAULT_WORKSPACE_SIZE = '50Gi';

/**
 * CPU and memory requests that keep GPUs fed without hoarding a node: 8 cores and 64 GiB per GPU
 * (an eighth of a typical 8-GPU node each), 2 cores / 8 GiB for CPU-only pods.
 */
export function defaultResourcesFor(gpuCount: number): { cpu: string; memory: string } {
  if (gpuCount <= 0) {
    return { cpu: '2', memory: '8Gi' };
  }
  return { cpu: String(8 * gpuCount), memory: `${64 * gpuCount}Gi` };
}

/** Message for a dev pod name that is invalid or taken, else undefined (plugs into validateInput). */
export function validateDevPodName(
  name: string,
  existingNames: Iterable<string> = [],
): string | undefined {
  const invalid = validateDnsLabel(name, 'dev pod name');
  if (invalid) {
    return invalid;
  }
  for (const existing of existingNames) {
    if (existing === name) {
      return `A dev pod named "${name}" already exists in this namespace. Choose another name, or resume or delete the existing one.`;
    }
  }
  return undefined;
}

export function validateGpuCount(count: number): string | undefined {
  if (!Number.isInteger(count) || count < 0 || count > MAX_GPUS_PER_DEV_POD) {
    return `GPU count must be a whole number from 0 to ${MAX_GPUS_PER_DEV_POD} (0 for a CPU-only dev pod); got ${count}.`;
  }
  return undefined;
}

export function validateCpu(value: string): string | undefined {
  return isCpuQuantity(value)
    ? undefined
    : `CPU "${value}" is not a CPU quantity: use cores ("8", "0.5") or millicores ("500m").`;
}

export function validateMemory(value: string, what = 'Memory'): string | undefined {
  return isByteQuantity(value)
    ? undefined
    : `${what} "${value}" is not a size: use a number with a unit, e.g. "64Gi" or "512Mi".`;
}

export function validateIdleMinutes(value: number): string | undefined {
  if (!Number.isInteger(value) || value < 0) {
    return `Idle shutdown must be a whole number of minutes, 0 to turn it off; got ${value}.`;
  }
  return undefined;
}

export function validateImage(image: string): string | undefined {
  if (image.trim() === '' || /\s/.test(image)) {
    return `Image "${image}" is not an image reference: give e.g. "pytorch/pytorch:2.4.1-cuda12.4-cudnn9-runtime" without spaces.`;
  }
  return undefined;
}

/** Every problem with `spec`, in field order; empty when it can be created. */
export function validateDevPodSpec(
  spec: DevPodSpec,
  existingNames: Iterable<string> = [],
): string[] {
  const problems = [
    validateDevPodName(spec.name, existingNames),
    spec.gpu ? validateGpuCount(spec.gpu.count) : undefined,
    validateImage(spec.image),
    validateCpu(spec.cpu),
    validateMemory(spec.memory),
    validateMemory(spec.workspace.size, 'Workspace size'),
    spec.workspace.storageClass !== undefined
      ? validateDnsSubdomain(spec.workspace.storageClass, 'storage class name')
      : undefined,
    validateIdleMinutes(spec.idleMinutes),
  ];
  return problems.filter((problem): problem is string => problem !== undefined);
}
