import type { RunCurves } from './protocol';

/** Metrics any run has, the usual training ones first. */
export function metricNames(runs: readonly RunCurves[]): string[] {
  const preferred = ['loss', 'eval_loss', 'learning_rate', 'grad_norm', 'tokens_per_second'];
  const names = new Set(runs.flatMap((run) => Object.keys(run.metrics)));
  return [
    ...preferred.filter((name) => names.has(name)),
    ...[...names].filter((name) => !preferred.includes(name)).sort(),
  ];
}

/**
 * uPlot wants one shared x array: the union of every run's steps, each run's values placed at
 * its own steps and null elsewhere (drawn with spanGaps so each curve stays connected).
 */
export function alignedSeries(
  runs: readonly RunCurves[],
  metric: string,
): { steps: number[]; values: (number | null)[][] } {
  const steps = [...new Set(runs.flatMap((run) => run.metrics[metric]?.steps ?? []))].sort(
    (a, b) => a - b,
  );
  const position = new Map(steps.map((step, index) => [step, index]));
  const values = runs.map((run) => {
    const row: (number | null)[] = new Array<number | null>(steps.length).fill(null);
    const series = run.metrics[metric];
    series?.steps.forEach((step, index) => {
      row[position.get(step)!] = series.values[index] ?? null;
    });
    return row;
  });
  return { steps, values };
}

/** Distinct, colour-blind-friendly series colours (Okabe-Ito), cycled. */
export const SERIES_COLOURS = [
  '#0072B2',
  '#E69F00',
  '#009E73',
  '#CC79A7',
  '#56B4E9',
  '#D55E00',
  '#F0E442',
  '#999999',
];
