/** Just enough of Kubernetes resource quantities to size dev pods and validate input. */

const CPU_PATTERN = /^(\d+(\.\d+)?|\d+m)$/;
const BYTES_PATTERN = /^(\d+(\.\d+)?)(Ki|Mi|Gi|Ti|Pi|K|M|G|T|P)?$/;

const BYTE_FACTORS: Record<string, number> = {
  '': 1,
  K: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
  Pi: 1024 ** 5,
};

export function isCpuQuantity(value: string): boolean {
  return CPU_PATTERN.test(value) && cpuCores(value) > 0;
}

export function cpuCores(value: string): number {
  return value.endsWith('m') ? Number(value.slice(0, -1)) / 1000 : Number(value);
}

export function isByteQuantity(value: string): boolean {
  return BYTES_PATTERN.test(value) && bytesOf(value) > 0;
}

export function bytesOf(value: string): number {
  const match = BYTES_PATTERN.exec(value);
  if (!match) {
    return Number.NaN;
  }
  return Number(match[1]) * BYTE_FACTORS[match[3] ?? ''];
}

/** Whole gibibytes, rounded down, as a quantity ("12Gi"); at least `minimumGi`. */
export function gibibytes(bytes: number, minimumGi = 1): string {
  return `${Math.max(minimumGi, Math.floor(bytes / 1024 ** 3))}Gi`;
}
