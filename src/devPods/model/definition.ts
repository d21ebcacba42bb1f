import type { DevPodSpec } from './spec';
import { validateDevPodSpec } from './spec';
import { presetById } from './presets';

/**
 * The definition stored on the workspace PVC. Versioned so an older extension refuses a newer
 * definition instead of recreating a different pod.
 */
interface StoredDefinition {
  readonly version: 1;
  readonly spec: DevPodSpec;
}

export function encodeDefinition(spec: DevPodSpec): string {
  const stored: StoredDefinition = { version: 1, spec };
  return JSON.stringify(stored);
}

/** The spec stored by encodeDefinition, or a message saying why it cannot be used. */
export function decodeDefinition(
  text: string | undefined,
  namespace: string,
): { spec: DevPodSpec } | { problem: string } {
  if (!text) {
    return { problem: 'its workspace volume carries no dev pod definition' };
  }
  let stored: Partial<StoredDefinition>;
  try {
    stored = JSON.parse(text) as Partial<StoredDefinition>;
  } catch {
    return { problem: 'the definition stored on its workspace volume is not valid JSON' };
  }
  if (stored.version !== 1 || !stored.spec || typeof stored.spec !== 'object') {
    return {
      problem: `the stored definition has version ${String(stored.version)}; this extension understands version 1`,
    };
  }
  // The PVC may have been copied to another namespace: the pod goes where the volume is.
  const spec: DevPodSpec = { ...stored.spec, namespace };
  if (!presetById(spec.imagePreset)) {
    return {
      problem: `the stored definition names an unknown image preset "${String(spec.imagePreset)}"`,
    };
  }
  const problems = validateDevPodSpec(spec);
  return problems.length > 0
    ? { problem: `the stored definition is invalid: ${problems.join(' ')}` }
    : { spec };
}
