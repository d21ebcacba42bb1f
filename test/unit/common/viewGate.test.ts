import * as assert from 'node:assert/strict';
import { ViewGate } from '../../../src/common/viewGate';

describe('ViewGate', () => {
  function gate(): { gate: ViewGate<string>; delivered: string[]; state: string[] } {
    const delivered: string[] = [];
    const state = ['line 1'];
    const viewGate: ViewGate<string> = new ViewGate(
      (message) => delivered.push(message),
      () => {
        for (const line of state) viewGate.post(line);
      },
    );
    return { gate: viewGate, delivered, state };
  }

  it('delivers nothing before the view says ready, then the whole state, then live posts', () => {
    const { gate: viewGate, delivered, state } = gate();
    state.push('line 2');
    viewGate.post('line 2');
    assert.deepEqual(delivered, []);
    viewGate.ready();
    viewGate.post('line 3');
    assert.deepEqual(delivered, ['line 1', 'line 2', 'line 3']);
  });

  it('drops posts while a discarded view reloads, and restores the state once, without duplicates', () => {
    const { gate: viewGate, delivered, state } = gate();
    viewGate.ready();
    viewGate.discarded();
    state.push('line 2');
    viewGate.post('line 2');
    assert.deepEqual(delivered, ['line 1']);
    delivered.length = 0;
    viewGate.ready();
    assert.deepEqual(delivered, ['line 1', 'line 2']);
  });
});
