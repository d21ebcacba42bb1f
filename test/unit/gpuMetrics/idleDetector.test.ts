import * as assert from 'node:assert/strict';
import { IdleDetector } from '../../../src/gpuMetrics/model/idleDetector';

describe('IdleDetector', () => {
  it('warns once after the whole window is idle and re-arms after activity', () => {
    const detector = new IdleDetector({ thresholdPercent: 5, windowMs: 60_000 });
    assert.equal(detector.observe(0, [1, 2]), false);
    assert.equal(detector.observe(30_000, [0, 4]), false);
    assert.equal(detector.observe(60_000, [0, 0]), true);
    assert.equal(detector.observe(90_000, [0, 0]), false);
    assert.equal(detector.observe(100_000, [50, 0]), false);
    assert.equal(detector.observe(110_000, [0, 0]), false);
    assert.equal(detector.observe(170_000, [0, 0]), true);
    assert.equal(detector.observe(180_000, [undefined]), false);
  });
});
