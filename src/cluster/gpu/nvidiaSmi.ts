/**
 * Parser for `nvidia-smi --query-gpu=index,name,utilization.gpu,memory.used,memory.total,
 * power.draw,temperature.gpu --format=csv,noheader,nounits`. Pure and total: malformed rows are
 * skipped (reported in `rejected`), never thrown.
 */
import type { GpuReading } from './sample';

export const NVIDIA_SMI_FIELDS = [
  'index',
  'name',
  'utilization.gpu',
  'memory.used',
  'memory.total',
  'power.draw',
  'temperature.gpu',
] as const;

export const NVIDIA_SMI_COMMAND: readonly string[] = [
  'nvidia-smi',
  `--query-gpu=${NVIDIA_SMI_FIELDS.join(',')}`,
  '--format=csv,noheader,nounits',
];

export interface NvidiaSmiResult {
  readonly gpus: GpuReading[];
  /** Lines that were not a GPU row, for the output channel. */
  readonly rejected: string[];
}

/** "[N/A]", "[Not Supported]", "N/A" and units some drivers print despite nounits. */
function numberField(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const cleaned = raw.trim().replace(/\s*(%|MiB|W|C)$/i, '');
  if (!/^[-+]?\d+(\.\d+)?$/.test(cleaned)) return undefined;
  const value = Number(cleaned);
  return Number.isFinite(value) ? value : undefined;
}

export function parseNvidiaSmiCsv(output: string): NvidiaSmiResult {
  const gpus: GpuReading[] = [];
  const rejected: string[] = [];
  if (typeof output !== 'string') return { gpus, rejected };
  for (const rawLine of output.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === '') continue;
    const fields = line.split(',').map((field) => field.trim());
    if (fields.length !== NVIDIA_SMI_FIELDS.length) {
      rejected.push(line);
      continue;
    }
    const [index, name, utilisation, memoryUsed, memoryTotal, power, temperature] = fields;
    if (!/^\d+$/.test(index)) {
      rejected.push(line);
      continue;
    }
    gpus.push({
      gpu: index,
      name: name || undefined,
      utilisation: clampPercent(numberField(utilisation)),
      memoryUsedMiB: numberField(memoryUsed),
      memoryTotalMiB: numberField(memoryTotal),
      powerWatts: numberField(power),
      temperatureC: numberField(temperature),
    });
  }
  return { gpus, rejected };
}

function clampPercent(value: number | undefined): number | undefined {
  return value === undefined ? undefined : Math.max(0, Math.min(100, value));
}
