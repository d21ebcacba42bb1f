import * as assert from 'node:assert/strict';
import { RefreshThrottle } from '../../../src/forwarding/model/refreshThrottle';
import { ManualTimers } from '../manualTimers';

describe('RefreshThrottle (Port Forwards view refreshes)', () => {
  it('refreshes at once, then at most every 300 ms through an outage of 665 changes in 11 s, ending on the last change', () => {
    const timers = new ManualTimers();
    const refreshes: { at: number; changed: string[] | undefined }[] = [];
    const throttle = new RefreshThrottle<string>(
      300,
      (changed) => refreshes.push({ at: timers.now, changed }),
      timers,
    );
    throttle.add('forward-a');
    assert.equal(refreshes.length, 1, 'the first change shows at once');
    const step = 11_000 / 665;
    for (let change = 1; change < 665; change++) {
      timers.advance(step);
      throttle.add(change % 2 ? 'forward-a' : 'forward-b');
    }
    timers.advance(600);
    assert.ok(refreshes.length <= Math.ceil(11_000 / 300) + 2, `${refreshes.length} refreshes`);
    const gaps = refreshes.slice(1).map((refresh, index) => refresh.at - refreshes[index].at);
    assert.ok(
      gaps.every((gap) => gap >= 300),
      `refreshes ${Math.min(...gaps).toFixed(1)} ms apart at the closest`,
    );
    assert.deepEqual(
      refreshes.at(-1)?.changed?.sort(),
      ['forward-a', 'forward-b'],
      'the last changes are not lost',
    );
    assert.equal(timers.pending, 0, 'quiet once nothing changes');
  });

  it('merges the items that changed, and a change of the list itself into one full refresh', () => {
    const timers = new ManualTimers();
    const refreshes: (string[] | undefined)[] = [];
    const throttle = new RefreshThrottle<string>(300, (changed) => refreshes.push(changed), timers);
    throttle.add('a');
    throttle.add('b');
    throttle.add('b');
    throttle.add('c');
    timers.advance(300);
    throttle.add('d');
    throttle.add(undefined);
    timers.advance(300);
    throttle.dispose();
    throttle.add('e');
    timers.advance(300);
    assert.deepEqual(refreshes, [['a'], ['b', 'c'], undefined]);
  });
});
