/**
 * GPU utilisation per node from the DCGM exporter, for the GPU Capacity view's per-pool overview
 * (utilisation next to allocation). Empty when the cluster runs no exporter: the view then shows
 * allocation only. No vscode import.
 */
import type { ClusterSession } from '../session';
import { discoverDcgm, readDcgmEndpoint, type DcgmDiscovery } from './dcgm';
import { utilisationByNode } from './dcgmMetrics';
import type { GpuReading } from './sample';

export interface NodeUtilisation {
  /** Mean utilisation of the node's GPUs, percent. */
  readonly utilisation: number;
  readonly gpus: number;
}

export type UtilisationByNode = ReadonlyMap<string, NodeUtilisation>;

/** Where the figures come from; `D` is whatever discovery found (the exporter endpoints). */
export interface UtilisationSource<D> {
  /** Finds the exporter; undefined when the cluster runs none (then nothing is read). */
  discover(signal: AbortSignal): Promise<D | undefined>;
  read(discovery: D, signal: AbortSignal): Promise<UtilisationByNode>;
}

export async function readPoolUtilisation(
  session: Pick<ClusterSession, 'kubeConfig'>,
  signal?: AbortSignal,
): Promise<Map<string, NodeUtilisation>> {
  return readDiscoveredUtilisation(session, await discoverDcgm(session.kubeConfig), signal);
}

/** Reads the exporters discovery found: every pod (one per node), else one service. */
async function readDiscoveredUtilisation(
  session: Pick<ClusterSession, 'kubeConfig'>,
  discovery: DcgmDiscovery,
  signal?: AbortSignal,
): Promise<Map<string, NodeUtilisation>> {
  const endpoints = discovery.pods.length > 0 ? discovery.pods : discovery.services.slice(0, 1);
  const readings: GpuReading[] = [];
  const results = await Promise.allSettled(
    endpoints.map((endpoint) => readDcgmEndpoint(session.kubeConfig, endpoint, signal)),
  );
  for (const result of results) if (result.status === 'fulfilled') readings.push(...result.value);
  return utilisationByNode(readings);
}

/**
 * The same, split so a poller discovers rarely and reads often; discovery yields undefined when
 * the cluster runs no exporter, so no read is ever attempted then.
 */
export function poolUtilisationSource(
  session: Pick<ClusterSession, 'kubeConfig'>,
): UtilisationSource<DcgmDiscovery> {
  return {
    discover: async () => {
      const discovery = await discoverDcgm(session.kubeConfig);
      return discovery.pods.length + discovery.services.length > 0 ? discovery : undefined;
    },
    read: (discovery, signal) => readDiscoveredUtilisation(session, discovery, signal),
  };
}
