import * as assert from 'node:assert/strict';
import { Emitter } from '../../../src/cluster/emitter';

describe('Emitter', () => {
  it('delivers to every listener until disposed', () => {
    const emitter = new Emitter<number>();
    const seen: number[] = [];
    const subscription = emitter.event((value) => seen.push(value));
    emitter.fire(1);
    subscription.dispose();
    emitter.fire(2);
    assert.deepEqual(seen, [1]);
  });

  it('runs every listener even when one throws, then rethrows', () => {
    const emitter = new Emitter<string>();
    const seen: string[] = [];
    emitter.event(() => {
      throw new Error('first');
    });
    emitter.event((value) => seen.push(value));
    assert.throws(() => emitter.fire('x'), /first/);
    assert.deepEqual(seen, ['x']);
  });
});
