import type { V1PersistentVolumeClaim, V1Pod } from '@kubernetes/client-node';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../../cluster/workloadRef';
import {
  DEFINITION_ANNOTATION,
  DEV_POD_LABEL,
  IDLE_MINUTES_ANNOTATION,
  LAST_ACTIVITY_ANNOTATION,
  OWNER_LABEL,
  WORKSPACE_CONTAINER,
  WORKSPACE_MOUNT_PATH,
  workspaceClaimName,
} from '../../cluster/devPodContract';
import { quantityValue } from '../../cluster/gpu/quantity';
import { gibibytes } from './quantities';
import type { DevPodSpec } from './spec';
import { encodeDefinition } from './definition';
import { gpuPlacement } from '../../cluster/gpu/placement';
import {
  containerSecurityContext,
  podSecurityContext,
  RESTRICTED_UID,
} from '../../cluster/podSecurity';

/**
 * A dev pod is a bare Pod plus a PVC, not a one-replica StatefulSet or Deployment:
 * - Stop must release the GPUs and Resume must bring back exactly the stored definition; with a
 *   bare Pod that is delete/create, with no controller recreating the pod behind our back.
 * - The scheduler's FailedScheduling events land on the object we created, so start progress
 *   reads them directly instead of chasing a generated pod name.
 * - A Deployment's rolling update would deadlock on the ReadWriteOnce workspace volume.
 * The price (no automatic rescheduling after a node loss) is acceptable: the workspace survives
 * on the PVC and Resume recreates the pod from the definition stored on it.
 */

/** Non-root uid/gid used under the restricted Pod Security Standard (images usually default to root). */
export const DEV_POD_UID = RESTRICTED_UID;

/** Keeps the container alive until deleted, exiting at once on SIGTERM so Stop is quick. */
export const KEEP_ALIVE_COMMAND = [
  '/bin/sh',
  '-c',
  "trap 'exit 0' TERM INT; sleep infinity & wait",
];

export interface ManifestContext {
  /** ISO time written as the initial last-activity, so idle time counts from creation. */
  readonly now: string;
  /** A label-safe owner (see ownerLabelValue), when known. */
  readonly owner?: string;
}

export function devPodLabels(
  spec: Pick<DevPodSpec, 'name'>,
  owner?: string,
): Record<string, string> {
  return {
    [MANAGED_BY_LABEL]: MANAGED_BY_VALUE,
    [DEV_POD_LABEL]: spec.name,
    ...(owner ? { [OWNER_LABEL]: owner } : {}),
  };
}

/** The closest valid label value to a user name ("system:serviceaccount:ml-team:dev" -> "system.serviceaccount.ml-team.dev"). */
export function ownerLabelValue(userName: string): string | undefined {
  const value = userName
    .replace(/[^A-Za-z0-9._-]+/g, '.')
    .slice(0, 63)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
  return value || undefined;
}

/** PyTorch DataLoader workers share tensors through /dev/shm; the runtime default (64 MiB) is far too small. */
export function sharedMemorySize(memory: string): string {
  return gibibytes(quantityValue(memory) / 4);
}

export function devPodManifest(spec: DevPodSpec, context: ManifestContext): V1Pod {
  const gpu = gpuPlacement(spec.gpu?.count ?? 0, spec.gpu?.product);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: spec.name,
      namespace: spec.namespace,
      labels: devPodLabels(spec, context.owner),
      annotations: {
        [IDLE_MINUTES_ANNOTATION]: String(spec.idleMinutes),
        [LAST_ACTIVITY_ANNOTATION]: context.now,
      },
    },
    spec: {
      hostname: spec.name,
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 10,
      enableServiceLinks: false,
      // The workspace runs user code: it gets no API credentials unless the user adds them.
      automountServiceAccountToken: false,
      securityContext: podSecurityContext(spec.restrictedPodSecurity, DEV_POD_UID),
      ...gpu?.scheduling,
      containers: [
        {
          name: WORKSPACE_CONTAINER,
          image: spec.image,
          imagePullPolicy: 'IfNotPresent',
          command: KEEP_ALIVE_COMMAND,
          workingDir: WORKSPACE_MOUNT_PATH,
          env: [
            { name: 'HOME', value: WORKSPACE_MOUNT_PATH },
            { name: 'KUBE_ML_DEV_POD', value: spec.name },
          ],
          ports: [
            { name: 'jupyter', containerPort: 8888 },
            { name: 'tensorboard', containerPort: 6006 },
            { name: 'http', containerPort: 8000 },
          ],
          resources: {
            requests: { cpu: spec.cpu, memory: spec.memory, ...gpu?.resources },
            // No CPU limit: throttling data loaders hurts more than sharing idle cores.
            limits: { memory: spec.memory, ...gpu?.resources },
          },
          securityContext: containerSecurityContext(spec.restrictedPodSecurity),
          volumeMounts: [
            { name: 'workspace', mountPath: WORKSPACE_MOUNT_PATH },
            { name: 'dshm', mountPath: '/dev/shm' },
          ],
        },
      ],
      volumes: [
        { name: 'workspace', persistentVolumeClaim: { claimName: workspaceClaimName(spec.name) } },
        { name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: sharedMemorySize(spec.memory) } },
      ],
    },
  };
}

export function workspaceClaimManifest(
  spec: DevPodSpec,
  context: ManifestContext,
): V1PersistentVolumeClaim {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: {
      name: workspaceClaimName(spec.name),
      namespace: spec.namespace,
      labels: devPodLabels(spec, context.owner),
      annotations: { [DEFINITION_ANNOTATION]: encodeDefinition(spec) },
    },
    spec: {
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: spec.workspace.size } },
      ...(spec.workspace.storageClass ? { storageClassName: spec.workspace.storageClass } : {}),
    },
  };
}
