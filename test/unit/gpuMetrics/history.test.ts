import * as assert from 'node:assert/strict';
import { SnapshotHistory } from '../../../src/gpuMetrics/model/history';

describe('SnapshotHistory', () => {
  it('keeps only the configured span', () => {
    const history = new SnapshotHistory(10_000);
    for (const time of [0, 5_000, 12_000, 16_000])
      history.add({ time, source: 'nvidia-smi', sourceDescription: '', gpus: [] });
    assert.deepEqual(
      history.all().map((snapshot) => snapshot.time),
      [12_000, 16_000],
    );
  });
});
