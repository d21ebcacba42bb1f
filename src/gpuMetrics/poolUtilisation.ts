/**
 * GPU utilisation per node from the DCGM exporter, for the GPU Capacity view's per-pool overview
 * (utilisation next to allocation). Empty when the cluster runs no exporter: the view then shows
 * allocation only. No vscode import.
 */
import type { ClusterSession } from '../cluster/session';
import { discoverDcgm, readDcgmEndpoint } from '../cluster/dcgm';
import { utilisationByNode } from './model/dcgmMetrics';
import type { GpuReading } from './model/gpuSample';

export interface NodeUtilisation {
  /** Mean utilisation of the node's GPUs, percent. */
  readonly utilisation: number;
  readonly gpus: number;
}

export async function readPoolUtilisation(session: Pick<ClusterSession, 'kubeConfig'>, signal?: AbortSignal): Promise<Map<string, NodeUtilisation>> {
  const discovery = await discoverDcgm(session.kubeConfig);
  const endpoints = discovery.pods.length > 0 ? discovery.pods : discovery.services.slice(0, 1);
  const readings: GpuReading[] = [];
  const results = await Promise.allSettled(endpoints.map((endpoint) => readDcgmEndpoint(session.kubeConfig, endpoint, signal)));
  for (const result of results) if (result.status === 'fulfilled') readings.push(...result.value);
  return utilisationByNode(readings);
}
