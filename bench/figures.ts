import * as v8 from 'node:v8';
import * as vm from 'node:vm';

/**
 * The shape every benchmark returns, and small measuring helpers. `ratio` is ours / reference, so
 * with better: 'lower' a ratio below 1 means we beat the reference, with 'higher' above 1.
 */
export interface Figure {
  readonly figure: string;
  readonly ours: number;
  readonly reference: number;
  readonly unit: string;
  readonly ratio: number;
  readonly better: 'higher' | 'lower';
  /** What the reference is (kubectl, a physical floor, the full recompute). */
  readonly referenceIs?: string;
}

export function figure(
  name: string,
  ours: number,
  reference: number,
  unit: string,
  better: 'higher' | 'lower',
  referenceIs?: string,
): Figure {
  const round = (value: number): number => Number(value.toPrecision(4));
  return {
    figure: name,
    ours: round(ours),
    reference: round(reference),
    unit,
    ratio: reference === 0 ? Number.POSITIVE_INFINITY : round(ours / reference),
    better,
    referenceIs,
  };
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of nothing');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Milliseconds one call of `task` takes. */
export async function timeMs(task: () => unknown): Promise<number> {
  const started = process.hrtime.bigint();
  await task();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/** Median milliseconds over `runs` calls after `warmup` unmeasured ones. */
export async function medianMs(task: () => unknown, runs = 5, warmup = 1): Promise<number> {
  for (let i = 0; i < warmup; i++) await task();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) samples.push(await timeMs(task));
  return median(samples);
}

/** Resident set size of this process, MiB. */
export function rssMiB(): number {
  return process.memoryUsage().rss / 2 ** 20;
}

let collect: (() => void) | undefined;

/** Heap in use after a full garbage collection, MiB. */
export function heapUsedMiB(): number {
  if (!collect) {
    // npm scripts cannot pass --expose-gc through tsx; switching it on at run time works the same.
    v8.setFlagsFromString('--expose-gc');
    collect = vm.runInNewContext('gc') as () => void;
  }
  collect();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

export function formatTable(figures: readonly Figure[]): string {
  const header = ['figure', 'ours', 'reference', 'unit', 'ours/ref', 'better'];
  const rows = figures.map((f) => [
    f.figure,
    String(f.ours),
    `${f.reference}${f.referenceIs ? ` (${f.referenceIs})` : ''}`,
    f.unit,
    String(f.ratio),
    f.better,
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column].length)),
  );
  const line = (cells: string[]): string =>
    cells
      .map((cell, column) =>
        column === 0 || column === 2 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]),
      )
      .join('  ');
  return [
    line(header),
    widths.map((width) => '-'.repeat(width)).join('  '),
    ...rows.map(line),
  ].join('\n');
}
