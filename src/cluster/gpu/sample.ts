/** One reading of one GPU, whichever source it came from. */
export interface GpuReading {
  /** Stable within a node: the GPU index ("0".."7") or, failing that, its UUID. */
  readonly gpu: string;
  readonly name?: string;
  readonly node?: string;
  /** Namespace/pod the GPU is allocated to, when the source knows (DCGM with pod labels). */
  readonly namespace?: string;
  readonly pod?: string;
  /** Percent, 0-100. */
  readonly utilisation?: number;
  readonly memoryUsedMiB?: number;
  readonly memoryTotalMiB?: number;
  readonly powerWatts?: number;
  readonly temperatureC?: number;
}

export type GpuSourceKind = 'dcgm' | 'nvidia-smi';

/** All GPUs read at one moment from one source. */
export interface GpuSnapshot {
  /** Milliseconds since the epoch. */
  readonly time: number;
  readonly source: GpuSourceKind;
  /** Where the numbers came from, for the panel: "DCGM exporter gpu-operator/nvidia-dcgm-exporter via service proxy". */
  readonly sourceDescription: string;
  readonly gpus: readonly GpuReading[];
}
