import { TrainingMetricsParser } from '../../cluster/logs/trainingMetrics';
import type { MetricSeries, RunCurves } from '../../webviews/runCompare/protocol';

/**
 * Training curves of one run from its log text: every metric sample becomes a point; a step
 * seen again (a resumed run) replaces the earlier value so the curve stays a function of step.
 */
export function curvesFromLog(run: string, source: string, logText: string): RunCurves {
  const parser = new TrainingMetricsParser();
  const byMetric = new Map<string, Map<number, number>>();
  for (const line of logText.split('\n')) {
    for (const sample of parser.pushAll(line)) {
      for (const [metric, value] of Object.entries(sample.values)) {
        let points = byMetric.get(metric);
        if (!points) byMetric.set(metric, (points = new Map()));
        points.set(sample.step, value);
      }
    }
  }
  const metrics: Record<string, MetricSeries> = {};
  for (const [metric, points] of byMetric) {
    const steps = [...points.keys()].sort((a, b) => a - b);
    metrics[metric] = { steps, values: steps.map((step) => points.get(step)!) };
  }
  return {
    run,
    source,
    metrics,
    note: byMetric.size === 0 ? 'no training metrics in the log yet' : undefined,
  };
}
