import * as assert from 'node:assert/strict';
import { Backoff, backoffDelay } from '../../../src/cluster/backoff';

describe('cluster/backoff', () => {
  const policy = { initialMs: 500, maxMs: 30_000 };

  it('doubles from the first wait up to the cap', () => {
    assert.deepEqual(
      [0, 1, 2, 3, 4, 5, 6, 7].map((attempt) => backoffDelay(policy, attempt)),
      [500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000],
    );
  });

  it('stays at the cap however many retries failed, and treats a negative attempt as the first', () => {
    assert.equal(backoffDelay(policy, 5000), 30_000);
    assert.equal(backoffDelay({ initialMs: 0, maxMs: 10 }, 5000), 0);
    assert.equal(backoffDelay(policy, -1), 500);
  });

  it('walks one retry loop and starts over after reset', () => {
    const backoff = new Backoff({ initialMs: 1000, maxMs: 5000 });
    assert.deepEqual(
      [backoff.next(), backoff.next(), backoff.next(), backoff.next()],
      [1000, 2000, 4000, 5000],
    );
    backoff.reset();
    assert.equal(backoff.next(), 1000);
  });
});
