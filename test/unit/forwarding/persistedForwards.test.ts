import * as assert from 'node:assert/strict';
import {
  forwardKey,
  forwardsOfWorkload,
  isRestorable,
  parseStoredForwards,
  removeForward,
  upsertForward,
  type PersistedForward,
} from '../../../src/forwarding/model/persistedForwards';

const jupyter: PersistedForward = {
  contextName: 'ctx',
  workload: {
    kind: 'DevPod',
    namespace: 'ml-team',
    name: 'alice',
    podSelector: 'kube-ml.dev/devpod=alice',
  },
  remotePort: 8888,
  localPort: 8888,
};
const tensorboard: PersistedForward = { ...jupyter, remotePort: 6006, localPort: 6006 };
const otherPod: PersistedForward = {
  ...jupyter,
  workload: { ...jupyter.workload, name: 'bob', podSelector: 'kube-ml.dev/devpod=bob' },
};

describe('persisted forwards', () => {
  it('keys by context, workload and remote port', () => {
    assert.equal(forwardKey(jupyter), 'ctx/DevPod/ml-team/alice:8888');
  });
  it('upserts without duplicates and removes by key', () => {
    let stored = upsertForward([], jupyter);
    stored = upsertForward(stored, { ...jupyter, localPort: 9999 });
    stored = upsertForward(stored, tensorboard);
    assert.deepEqual(
      stored.map((forward) => [forward.remotePort, forward.localPort]),
      [
        [8888, 9999],
        [6006, 6006],
      ],
    );
    assert.deepEqual(
      removeForward(stored, forwardKey(tensorboard)).map((forward) => forward.remotePort),
      [8888],
    );
  });
  it('finds the forwards of a resumed dev pod only', () => {
    const stored = [jupyter, tensorboard, otherPod];
    assert.deepEqual(
      forwardsOfWorkload(stored, 'ctx', {
        kind: 'DevPod',
        namespace: 'ml-team',
        name: 'alice',
      }).map((forward) => forward.remotePort),
      [8888, 6006],
    );
    assert.equal(
      forwardsOfWorkload(stored, 'other-ctx', {
        kind: 'DevPod',
        namespace: 'ml-team',
        name: 'alice',
      }).length,
      0,
    );
  });
  it('restores only selector-based forwards and drops malformed state', () => {
    assert.equal(isRestorable(jupyter), true);
    assert.equal(
      isRestorable({ ...jupyter, workload: { kind: 'Pod', namespace: 'a', name: 'b' } }),
      false,
    );
    assert.deepEqual(parseStoredForwards([jupyter, { contextName: 'x' }, 3, null]), [jupyter]);
    assert.deepEqual(parseStoredForwards('nonsense'), []);
  });
});
