/**
 * Turns DCGM exporter samples into per-GPU readings. The exporter labels each series with
 * gpu, UUID, modelName, Hostname and (when the kubelet pod-resources API is wired up) the
 * namespace/pod the GPU is allocated to.
 */
import type { GpuReading } from './sample';
import type { PrometheusSample } from './prometheus';

export const DCGM_METRICS = {
  utilisation: 'DCGM_FI_DEV_GPU_UTIL',
  memoryUsedMiB: 'DCGM_FI_DEV_FB_USED',
  memoryFreeMiB: 'DCGM_FI_DEV_FB_FREE',
  powerWatts: 'DCGM_FI_DEV_POWER_USAGE',
  temperatureC: 'DCGM_FI_DEV_GPU_TEMP',
} as const;

const WANTED = new Set<string>(Object.values(DCGM_METRICS));

interface Accumulator {
  gpu: string;
  name?: string;
  node?: string;
  namespace?: string;
  pod?: string;
  utilisation?: number;
  memoryUsedMiB?: number;
  memoryFreeMiB?: number;
  powerWatts?: number;
  temperatureC?: number;
}

function finite(value: number): number | undefined {
  return Number.isFinite(value) ? value : undefined;
}

/** Readings for every GPU in the samples; series other than the five we plot are ignored. */
export function readingsFromDcgm(samples: readonly PrometheusSample[]): GpuReading[] {
  const byGpu = new Map<string, Accumulator>();
  for (const sample of samples) {
    if (!WANTED.has(sample.name)) continue;
    const labels = sample.labels;
    const gpu = labels.gpu ?? labels.UUID ?? labels.device;
    if (gpu === undefined) continue;
    const node = labels.Hostname ?? labels.hostname ?? labels.kubernetes_node ?? labels.node;
    const key = `${node ?? ''}/${gpu}`;
    let entry = byGpu.get(key);
    if (!entry) {
      entry = { gpu, node, name: labels.modelName };
      byGpu.set(key, entry);
    }
    // Exporters emit a GPU's series with the pod labels only when a pod holds it.
    if (labels.pod) {
      entry.pod = labels.pod;
      entry.namespace = labels.namespace;
    }
    const value = finite(sample.value);
    switch (sample.name) {
      case DCGM_METRICS.utilisation:
        entry.utilisation = value === undefined ? undefined : Math.max(0, Math.min(100, value));
        break;
      case DCGM_METRICS.memoryUsedMiB:
        entry.memoryUsedMiB = value;
        break;
      case DCGM_METRICS.memoryFreeMiB:
        entry.memoryFreeMiB = value;
        break;
      case DCGM_METRICS.powerWatts:
        entry.powerWatts = value;
        break;
      case DCGM_METRICS.temperatureC:
        entry.temperatureC = value;
        break;
    }
  }
  return [...byGpu.values()]
    .map(({ memoryFreeMiB, ...reading }): GpuReading => ({
      ...reading,
      memoryTotalMiB:
        reading.memoryUsedMiB !== undefined && memoryFreeMiB !== undefined
          ? reading.memoryUsedMiB + memoryFreeMiB
          : undefined,
    }))
    .sort(
      (left, right) =>
        (left.node ?? '').localeCompare(right.node ?? '') ||
        Number(left.gpu) - Number(right.gpu) ||
        left.gpu.localeCompare(right.gpu),
    );
}

/** Mean utilisation per node (the GPU Capacity overview puts it next to allocation). */
export function utilisationByNode(
  readings: readonly GpuReading[],
): Map<string, { utilisation: number; gpus: number }> {
  const sums = new Map<string, { total: number; gpus: number }>();
  for (const reading of readings) {
    if (reading.node === undefined || reading.utilisation === undefined) continue;
    const entry = sums.get(reading.node) ?? { total: 0, gpus: 0 };
    entry.total += reading.utilisation;
    entry.gpus++;
    sums.set(reading.node, entry);
  }
  return new Map(
    [...sums].map(([node, { total, gpus }]) => [node, { utilisation: total / gpus, gpus }]),
  );
}
