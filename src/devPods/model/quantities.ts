/** The quantities a dev pod's form accepts, valued by the one quantity parser. */
import { quantityValue } from '../../cluster/gpu/quantity';

/** Cores ("8", "0.5") or millicores ("500m"): the forms the validation hint names. */
const CPU_PATTERN = /^(\d+(\.\d+)?|\d+m)$/;
/** A size: a number with an optional byte unit. */
const BYTES_PATTERN = /^\d+(\.\d+)?(Ki|Mi|Gi|Ti|Pi|k|M|G|T|P)?$/;

export function isCpuQuantity(value: string): boolean {
  return CPU_PATTERN.test(value) && quantityValue(value) > 0;
}

export function isByteQuantity(value: string): boolean {
  return BYTES_PATTERN.test(value) && quantityValue(value) > 0;
}

/** Whole gibibytes, rounded down, as a quantity ("12Gi"); at least `minimumGi`. */
export function gibibytes(bytes: number, minimumGi = 1): string {
  return `${Math.max(minimumGi, Math.floor(bytes / 1024 ** 3))}Gi`;
}
