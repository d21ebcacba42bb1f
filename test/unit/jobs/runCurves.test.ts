import * as assert from 'node:assert/strict';
import { curvesFromLog } from '../../../src/jobs/model/runCurves';
import { alignedSeries, metricNames } from '../../../src/webviews/runCompare/chartData';

const log = [
  '***** Running training *****',
  "{'loss': 2.31, 'grad_norm': 1.2, 'learning_rate': 5e-05, 'epoch': 0.01}",
  "{'loss': 2.1, 'grad_norm': 1.1, 'learning_rate': 4.9e-05, 'epoch': 0.02}",
  "{'eval_loss': 2.2, 'eval_runtime': 12.48, 'epoch': 0.02}",
  "{'loss': 1.9, 'grad_norm': 1.0, 'learning_rate': 4.8e-05, 'epoch': 0.03}",
].join('\n');

describe('jobs/runCurves', () => {
  it('parses Trainer dict lines into per-metric series', () => {
    const curves = curvesFromLog('run-a', 'run-a-0', log);
    assert.deepEqual(curves.metrics.loss, { steps: [0, 1, 2], values: [2.31, 2.1, 1.9] });
    assert.deepEqual(curves.metrics.eval_loss, { steps: [1], values: [2.2] });
    assert.equal(curves.metrics.eval_runtime, undefined);
    assert.equal(curves.note, undefined);
  });

  it('notes a run whose log has no metrics', () => {
    assert.equal(
      curvesFromLog('r', 'p', 'hello\nworld').note,
      'no training metrics in the log yet',
    );
  });

  it('aligns runs with different steps on one x axis', () => {
    const a = {
      run: 'a',
      source: 'a-0',
      metrics: { loss: { steps: [0, 10, 20], values: [3, 2, 1] } },
    };
    const b = {
      run: 'b',
      source: 'b-0',
      metrics: {
        loss: { steps: [5, 10], values: [2.5, 2.2] },
        eval_loss: { steps: [10], values: [2.4] },
      },
    };
    assert.deepEqual(alignedSeries([a, b], 'loss'), {
      steps: [0, 5, 10, 20],
      values: [
        [3, null, 2, 1],
        [null, 2.5, 2.2, null],
      ],
    });
    assert.deepEqual(metricNames([a, b]), ['loss', 'eval_loss']);
  });
});
