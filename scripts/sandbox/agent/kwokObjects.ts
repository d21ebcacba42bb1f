// Manifests of kwok's namespaced Exec, Logs and PortForward resources (kwok.x-k8s.io/v1alpha1),
// owned by the pod so the garbage collector removes them with it.
import type * as k8s from '@kubernetes/client-node';

export const KWOK_GROUP = 'kwok.x-k8s.io';
export const KWOK_VERSION = 'v1alpha1';
export const STAND_IN_LABEL = 'sandbox.kube-ml.dev/stand-in';

export interface KwokObject {
  apiVersion: string;
  kind: 'Exec' | 'Logs' | 'PortForward';
  metadata: k8s.V1ObjectMeta;
  spec: Record<string, unknown>;
}

export const PLURALS: Record<KwokObject['kind'], string> = {
  Exec: 'execs',
  Logs: 'logs',
  PortForward: 'portforwards',
};

function metadata(pod: k8s.V1Pod): k8s.V1ObjectMeta {
  return {
    name: pod.metadata?.name,
    namespace: pod.metadata?.namespace,
    labels: { [STAND_IN_LABEL]: 'true' },
    ownerReferences: [
      {
        apiVersion: 'v1',
        kind: 'Pod',
        name: pod.metadata?.name ?? '',
        uid: pod.metadata?.uid ?? '',
      },
    ],
  };
}

export interface ContainerExec {
  container: string;
  workDir: string;
  env: Record<string, string>;
}

export function execObject(pod: k8s.V1Pod, containers: ContainerExec[]): KwokObject {
  return {
    apiVersion: `${KWOK_GROUP}/${KWOK_VERSION}`,
    kind: 'Exec',
    metadata: metadata(pod),
    spec: {
      execs: containers.map((entry) => ({
        containers: [entry.container],
        local: {
          workDir: entry.workDir,
          envs: Object.entries(entry.env).map(([name, value]) => ({ name, value })),
        },
      })),
    },
  };
}

export interface ContainerLog {
  container: string;
  logsFile: string;
  previousLogsFile: string;
}

export function logsObject(pod: k8s.V1Pod, logs: ContainerLog[]): KwokObject {
  return {
    apiVersion: `${KWOK_GROUP}/${KWOK_VERSION}`,
    kind: 'Logs',
    metadata: metadata(pod),
    spec: {
      logs: logs.map((entry) => ({
        containers: [entry.container],
        logsFile: entry.logsFile,
        previousLogsFile: entry.previousLogsFile,
        follow: true,
      })),
    },
  };
}

/** `targets` maps a pod port to the local address serving it. */
export function portForwardObject(
  pod: k8s.V1Pod,
  targets: Map<number, { address: string; port: number }>,
): KwokObject {
  return {
    apiVersion: `${KWOK_GROUP}/${KWOK_VERSION}`,
    kind: 'PortForward',
    metadata: metadata(pod),
    spec: {
      forwards: [...targets].map(([podPort, target]) => ({ ports: [podPort], target })),
    },
  };
}

interface PortForwardEntry {
  ports: number[];
  target: unknown;
}

/**
 * The PortForward spec to write over `existing`: ours, plus the forwards someone else added for
 * ports we do not serve (a benchmark or test pointing a pod port at its own server), so the
 * agent rewriting the object when the pod gets its IP does not drop them.
 */
export function mergedPortForwardSpec(
  ours: KwokObject,
  existing: KwokObject,
): Record<string, unknown> {
  const mine = (ours.spec.forwards ?? []) as PortForwardEntry[];
  const served = new Set(mine.flatMap((forward) => forward.ports));
  const theirs = ((existing.spec?.forwards ?? []) as PortForwardEntry[]).filter(
    (forward) => !forward.ports.some((port) => served.has(port)),
  );
  return { ...ours.spec, forwards: [...mine, ...theirs] };
}
