import type { WorkloadRef } from '../../cluster/workloadRef';
import { devPodSelector } from '../../cluster/podResolver';

/** URI scheme of the built-in workspace: kubeml://<kind>~<namespace>~<name>[~<container>]/path */
export const KUBEML_SCHEME = 'kubeml';

export interface KubemlAuthority {
  readonly kind: 'devpod' | 'pod';
  readonly namespace: string;
  readonly name: string;
  readonly container?: string;
}

const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

export function formatAuthority(authority: KubemlAuthority): string {
  return [authority.kind, authority.namespace, authority.name, ...(authority.container ? [authority.container] : [])].join('~');
}

/** Parses an authority; undefined when it is not one of ours (names are DNS-1123, so "~" never occurs in them). */
export function parseAuthority(text: string): KubemlAuthority | undefined {
  const [kind, namespace, name, container, ...rest] = text.split('~');
  if ((kind !== 'devpod' && kind !== 'pod') || rest.length > 0) return undefined;
  if (![namespace, name].every((part) => part !== undefined && NAME.test(part))) return undefined;
  if (container !== undefined && !NAME.test(container)) return undefined;
  return { kind, namespace, name, container };
}

export function authorityOfWorkload(workload: WorkloadRef, container: string | undefined): KubemlAuthority {
  return { kind: workload.kind === 'DevPod' ? 'devpod' : 'pod', namespace: workload.namespace, name: workload.name, container };
}

export function workloadOfAuthority(authority: KubemlAuthority): WorkloadRef {
  return authority.kind === 'devpod'
    ? { kind: 'DevPod', namespace: authority.namespace, name: authority.name, podSelector: devPodSelector(authority.name), container: authority.container }
    : { kind: 'Pod', namespace: authority.namespace, name: authority.name, container: authority.container };
}

/** The workspace folder's name in the explorer. */
export function workspaceFolderName(workloadName: string): string {
  return `${workloadName} (Kube ML)`;
}
