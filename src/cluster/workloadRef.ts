/**
 * What a tree item stands for, so that shared actions (View Logs, GPU Metrics, Open Terminal,
 * Forward Port) work on dev pods, jobs, endpoints and plain pods alike.
 */
export type WorkloadKind = 'DevPod' | 'Pod' | 'Job' | 'Deployment' | 'Endpoint' | 'Node';

/** The object that controls a workload's pods (a Job, Deployment, custom resource), in the workload's namespace. */
export interface ControllerRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
}

export interface WorkloadRef {
  readonly kind: WorkloadKind;
  readonly namespace: string;
  readonly name: string;
  /** Label selector of the pods behind the workload (re-resolved on every use: pods come and go). */
  readonly podSelector?: string;
  /** Who must control those pods: labels alone prove nothing, anyone who may create pods sets them. */
  readonly controller?: ControllerRef;
  /** Container to prefer for exec and logs. */
  readonly container?: string;
}

/** Tree items that carry a workload expose it under this property. */
export interface HasWorkload {
  readonly workload: WorkloadRef;
}

export function hasWorkload(value: unknown): value is HasWorkload {
  const workload = (value as { workload?: Partial<WorkloadRef> } | undefined)?.workload;
  return (
    typeof workload?.name === 'string' &&
    typeof workload.namespace === 'string' &&
    typeof workload.kind === 'string'
  );
}

/** Labels every object we create carries. */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY_VALUE = 'kube-ml-workbench';
export const FIELD_MANAGER = 'kube-ml-workbench';
