import type { WorkloadRef } from '../../cluster/workloadRef';

/** What is remembered of a forward so it can come back after a restart or a resume. */
export interface PersistedForward {
  /** kubeconfig context the forward belongs to; restored only while that context is active. */
  readonly contextName: string;
  readonly workload: WorkloadRef;
  readonly remotePort: number;
  readonly localPort: number;
  readonly label?: string;
}

/** Stable identity of a forward: one per workload and remote port in a context. */
export function forwardKey(
  forward: Pick<PersistedForward, 'contextName' | 'workload' | 'remotePort'>,
): string {
  const { kind, namespace, name } = forward.workload;
  return `${forward.contextName}/${kind}/${namespace}/${name}:${forward.remotePort}`;
}

/** Only workloads found again by label survive a restart; a bare pod name would point nowhere. */
export function isRestorable(forward: PersistedForward): boolean {
  return forward.workload.podSelector !== undefined;
}

/** Adds or replaces `forward` in the stored list (keeps the list free of duplicates). */
export function upsertForward(
  stored: readonly PersistedForward[],
  forward: PersistedForward,
): PersistedForward[] {
  const key = forwardKey(forward);
  return [...stored.filter((existing) => forwardKey(existing) !== key), forward];
}

export function removeForward(
  stored: readonly PersistedForward[],
  key: string,
): PersistedForward[] {
  return stored.filter((existing) => forwardKey(existing) !== key);
}

/** Forwards of one workload, for "restore the forwards of the dev pod that was just resumed". */
export function forwardsOfWorkload(
  stored: readonly PersistedForward[],
  contextName: string,
  workload: Pick<WorkloadRef, 'kind' | 'namespace' | 'name'>,
): PersistedForward[] {
  return stored.filter(
    (forward) =>
      forward.contextName === contextName &&
      forward.workload.kind === workload.kind &&
      forward.workload.namespace === workload.namespace &&
      forward.workload.name === workload.name,
  );
}

/** Reads what was stored, dropping anything malformed (an older or hand-edited state). */
export function parseStoredForwards(value: unknown): PersistedForward[] {
  if (!Array.isArray(value)) return [];
  return value.filter((entry): entry is PersistedForward => {
    const candidate = entry as Partial<PersistedForward>;
    return (
      typeof candidate?.contextName === 'string' &&
      typeof candidate.remotePort === 'number' &&
      typeof candidate.localPort === 'number' &&
      typeof candidate.workload?.name === 'string' &&
      typeof candidate.workload.namespace === 'string' &&
      typeof candidate.workload.kind === 'string'
    );
  });
}
