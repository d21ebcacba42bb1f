import * as assert from 'node:assert/strict';
import { DisposableStore } from '../../../src/cluster/disposableStore';

describe('DisposableStore', () => {
  it('disposes in reverse order, and at once after disposal', () => {
    const order: string[] = [];
    const store = new DisposableStore();
    store.add({ dispose: () => order.push('a') });
    store.add({ dispose: () => order.push('b') });
    store.dispose();
    store.add({ dispose: () => order.push('late') });
    assert.deepEqual(order, ['b', 'a', 'late']);
  });

  it('disposes each item once when disposed twice', () => {
    let disposals = 0;
    const store = new DisposableStore();
    store.add({ dispose: () => disposals++ });
    store.dispose();
    store.dispose();
    assert.equal(disposals, 1);
    assert.equal(store.isDisposed, true);
  });

  it('clear() disposes what it holds and keeps accepting items', () => {
    const order: string[] = [];
    const store = new DisposableStore();
    store.add({ dispose: () => order.push('first session') });
    store.clear();
    store.add({ dispose: () => order.push('second session') });
    assert.deepEqual(order, ['first session']);
    assert.equal(store.isDisposed, false);
    store.dispose();
    assert.deepEqual(order, ['first session', 'second session']);
  });
});
