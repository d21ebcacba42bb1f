import * as assert from 'node:assert/strict';
import {
  CONNECTION_STATE_KEY,
  ConnectionMemory,
  contextToOpen,
  readRemembered,
  type StateStore,
} from '../../../src/common/model/connectionMemory';

/** globalState's behaviour: values are stored as JSON and read back as copies. */
class JsonStore implements StateStore {
  private readonly values = new Map<string, string>();
  updates = 0;
  get(key: string): unknown {
    const value = this.values.get(key);
    return value === undefined ? undefined : JSON.parse(value);
  }
  update(key: string, value: unknown): PromiseLike<void> {
    this.updates += 1;
    this.values.set(key, JSON.stringify(value));
    return Promise.resolve();
  }
}

const noSaveErrors = (error: unknown): void => assert.fail(`save failed: ${String(error)}`);

describe('connection memory (context and namespace across reloads)', () => {
  it("a new memory over the same store (a reloaded window) recalls the chosen context and each context's namespace", () => {
    const store = new JsonStore();
    const before = new ConnectionMemory(store, noSaveErrors);
    assert.equal(before.contextName, undefined, 'nothing chosen yet: follow the kubeconfig');
    before.rememberContext('kube-ml-sandbox-developer');
    before.rememberNamespace('kube-ml-sandbox-developer', 'ml-team');
    before.rememberNamespace('kube-ml-sandbox', 'ml-restricted');
    before.rememberNamespace('kube-ml-sandbox', 'default');

    const after = new ConnectionMemory(store, noSaveErrors);
    assert.equal(after.contextName, 'kube-ml-sandbox-developer');
    assert.equal(after.namespaceOf('kube-ml-sandbox-developer'), 'ml-team');
    assert.equal(after.namespaceOf('kube-ml-sandbox'), 'default', 'the last choice wins');
    assert.equal(after.namespaceOf('elsewhere'), undefined);
    assert.equal(after.namespaceOf('constructor'), undefined, 'no inherited object keys');
    assert.deepEqual(store.get(CONNECTION_STATE_KEY), {
      contextName: 'kube-ml-sandbox-developer',
      namespaceByContext: { 'kube-ml-sandbox-developer': 'ml-team', 'kube-ml-sandbox': 'default' },
    });
  });

  it('writes only when something changed', () => {
    const store = new JsonStore();
    const memory = new ConnectionMemory(store, noSaveErrors);
    memory.rememberContext('a');
    memory.rememberContext('a');
    memory.rememberNamespace('a', 'ns');
    memory.rememberNamespace('a', 'ns');
    assert.equal(store.updates, 2);
  });

  it('reports a failed save instead of throwing', async () => {
    const errors: unknown[] = [];
    const failing: StateStore = {
      get: () => undefined,
      update: () => Promise.reject(new Error('disk full')),
    };
    const memory = new ConnectionMemory(failing, (error) => errors.push(error));
    memory.rememberContext('a');
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal((errors[0] as Error)?.message, 'disk full');
    assert.equal(memory.contextName, 'a', 'this window still uses the choice');
  });

  it('keeps only well-formed entries of what an earlier version stored', () => {
    assert.deepEqual(readRemembered(undefined), { namespaceByContext: {} });
    assert.deepEqual(readRemembered('kube-ml-sandbox'), { namespaceByContext: {} });
    assert.deepEqual(readRemembered({ contextName: 42, namespaceByContext: ['x'] }), {
      namespaceByContext: {},
    });
    assert.deepEqual(
      readRemembered({
        contextName: 'prod',
        namespaceByContext: { prod: 'ml-team', bad: 'Not_A_Namespace', alsoBad: 7, '': 'x' },
      }),
      { contextName: 'prod', namespaceByContext: { prod: 'ml-team' } },
    );
    assert.deepEqual(readRemembered({ contextName: '' }), { namespaceByContext: {} });
  });
});

describe('context to open at activation', () => {
  const contexts = ['kube-ml-sandbox', 'kube-ml-sandbox-developer'];
  it('restores the remembered context while the kubeconfig still defines it', () => {
    assert.deepEqual(contextToOpen('kube-ml-sandbox-developer', contexts, 'kube-ml-sandbox'), {
      contextName: 'kube-ml-sandbox-developer',
    });
  });
  it('falls back to the kubeconfig current-context and names the missing one', () => {
    assert.deepEqual(contextToOpen('gone', contexts, 'kube-ml-sandbox'), {
      contextName: 'kube-ml-sandbox',
      unavailable: 'gone',
    });
    assert.deepEqual(contextToOpen('gone', contexts, ''), {
      contextName: undefined,
      unavailable: 'gone',
    });
  });
  it('follows the kubeconfig when nothing was chosen', () => {
    assert.deepEqual(contextToOpen(undefined, contexts, 'kube-ml-sandbox'), {
      contextName: 'kube-ml-sandbox',
    });
  });
});
