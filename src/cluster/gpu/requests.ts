import type { V1Container, V1Pod, V1PodSpec } from '@kubernetes/client-node';
import { parseQuantity } from './quantity';
import { isGpuResource, NVIDIA_GPU } from './resources';

/**
 * The GPUs a pod asks for, counted as the scheduler's PodRequests counts them: max of the init
 * phase (each init container plus the sidecars started before it) and the run phase (app
 * containers plus all sidecars), plus overhead.
 */

/** GPUs per resource one container asks for. */
export function containerGpuRequests(container: V1Container): Map<string, number> {
  const requests = container.resources?.requests ?? {};
  const limits = container.resources?.limits ?? {};
  const result = new Map<string, number>();
  for (const resource of new Set([...Object.keys(requests), ...Object.keys(limits)])) {
    if (isGpuResource(resource)) {
      // Extended resources cannot be overcommitted: a limit alone implies an equal request.
      const amount = parseQuantity(requests[resource] ?? limits[resource]);
      if (amount > 0) result.set(resource, amount);
    }
  }
  return result;
}

/** NVIDIA GPUs one container asks for. */
export function containerGpus(container: V1Container): number {
  return containerGpuRequests(container).get(NVIDIA_GPU) ?? 0;
}

function addInto(target: Map<string, number>, source: ReadonlyMap<string, number>): void {
  for (const [resource, amount] of source)
    target.set(resource, (target.get(resource) ?? 0) + amount);
}

function maxInto(target: Map<string, number>, source: ReadonlyMap<string, number>): void {
  for (const [resource, amount] of source)
    target.set(resource, Math.max(target.get(resource) ?? 0, amount));
}

/** GPUs per resource a pod of this spec (a pod's or a template's) asks for. */
export function podSpecGpuRequests(spec: V1PodSpec | undefined): ReadonlyMap<string, number> {
  const result = new Map<string, number>();
  for (const container of spec?.containers ?? []) addInto(result, containerGpuRequests(container));
  const sidecars = new Map<string, number>();
  const initPhase = new Map<string, number>();
  for (const init of spec?.initContainers ?? []) {
    const own = containerGpuRequests(init);
    if (init.restartPolicy === 'Always') {
      addInto(result, own);
      addInto(sidecars, own);
      maxInto(initPhase, sidecars);
    } else {
      const duringThisInit = new Map(sidecars);
      addInto(duringThisInit, own);
      maxInto(initPhase, duringThisInit);
    }
  }
  maxInto(result, initPhase);
  for (const [resource, quantity] of Object.entries(spec?.overhead ?? {})) {
    if (isGpuResource(resource)) addInto(result, new Map([[resource, parseQuantity(quantity)]]));
  }
  for (const [resource, amount] of result) if (amount <= 0) result.delete(resource);
  return result;
}

/** NVIDIA GPUs a pod of this spec asks for (the resource our pods request). */
export function podSpecGpus(spec: V1PodSpec | undefined): number {
  return podSpecGpuRequests(spec).get(NVIDIA_GPU) ?? 0;
}

function isTerminated(pod: V1Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

/** The GPUs per resource a pod holds on its node: what it asks for, nothing once terminated. */
export function podGpuRequests(pod: V1Pod): ReadonlyMap<string, number> {
  return isTerminated(pod) ? new Map() : podSpecGpuRequests(pod.spec);
}
