/**
 * Kubernetes resource quantities ("8", "500m", "64Gi", "1e3"), the one parser for GPU counts,
 * node capacity and the sizes a user types.
 */
const BINARY_SUFFIX: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const DECIMAL_SUFFIX: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};
const QUANTITY = /^([+-]?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)([KMGTPE]i|[numkMGTPE]?)$/;

/** The value of a quantity, NaN when the text is not one. */
export function quantityValue(text: string): number {
  const match = QUANTITY.exec(text.trim());
  if (!match) return Number.NaN;
  return Number(match[1]) * (BINARY_SUFFIX[match[2]] ?? DECIMAL_SUFFIX[match[2]]);
}

/** A quantity from an API object as a number; 0 when absent or unparsable (a field the server validated). */
export function parseQuantity(quantity: string | number | undefined): number {
  if (quantity === undefined) return 0;
  if (typeof quantity === 'number') return quantity;
  const value = quantityValue(quantity);
  return Number.isNaN(value) ? 0 : value;
}
