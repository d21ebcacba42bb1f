import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import { MAX_WARM_TUNNELS, startPortForward, type PortForwardHandle } from '../../../src/cluster/portForward';
import { createTestNamespace, deleteTestNamespace, sandboxKubeConfig, waitFor } from '../sandbox';
import { createLabelledPod, deletePodAndWait } from './testPods';

/** One GET on a fresh TCP connection (its own tunnel), no retry: it must work the first time. */
function getApi(handle: PortForwardHandle): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http.get(handle.url('/api'), { agent: false }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

describe('remote access: port forward warm tunnel pool (sandbox)', function () {
  this.timeout(120_000);
  const kubeConfig = sandboxKubeConfig('developer');
  let namespace: string;
  const handles: PortForwardHandle[] = [];

  before(async () => {
    namespace = await createTestNamespace('ra-pool');
    await createLabelledPod(namespace, 'pool-a', 'pool');
  });
  after(async () => {
    for (const handle of handles) handle.dispose();
    await deleteTestNamespace(namespace);
  });

  it('pre-opens tunnels, grows the pool by demand and keeps it bounded', async () => {
    const handle = await startPortForward(kubeConfig, { namespace, podSelector: 'kube-ml.dev/devpod=pool', remotePort: 8888, localPort: 0 });
    handles.push(handle);
    await waitFor(() => handle.warmTunnels >= 1, 10_000, 'a warm tunnel after start');
    let largest = 0;
    for (let round = 0; round < 5; round++) {
      const responses = await Promise.all(Array.from({ length: 10 }, () => getApi(handle)));
      for (const response of responses) assert.deepEqual({ status: response.status, body: JSON.parse(response.body) }, { status: 200, body: { version: '2.14.2' } });
      largest = Math.max(largest, handle.warmTunnels);
      assert.ok(handle.warmTunnels <= MAX_WARM_TUNNELS, `pool of ${handle.warmTunnels}`);
    }
    // Bursts of 10 miss the pool: it grows to its cap, never beyond.
    await waitFor(() => handle.warmTunnels === MAX_WARM_TUNNELS, 10_000, `the pool grown to ${MAX_WARM_TUNNELS}`);
    assert.ok(largest <= MAX_WARM_TUNNELS);
    assert.equal(handle.stats.connections, 50, 'warm tunnels are not counted as connections');
    await waitFor(() => handle.stats.activeConnections === 0, 10_000, 'every connection closed');
    assert.equal(handle.stats.reconnects, 0);
    handle.dispose();
    assert.equal(handle.warmTunnels, 0, 'dispose closes the warm tunnels');
  });

  it('drops warm tunnels to a deleted pod: the first connection after recreation reaches the new pod', async () => {
    const handle = await startPortForward(kubeConfig, { namespace, podSelector: 'kube-ml.dev/devpod=pool', remotePort: 8888, localPort: 0 });
    handles.push(handle);
    assert.equal((await getApi(handle)).status, 200);
    const oldPod = handle.status.podName;
    assert.ok(oldPod);
    await waitFor(() => handle.warmTunnels >= 1, 10_000, 'warm tunnels to the first pod');
    await deletePodAndWait(namespace, oldPod);
    await waitFor(() => handle.warmTunnels === 0, 10_000, 'the pool dropped once the pod is gone');
    await createLabelledPod(namespace, 'pool-b', 'pool');
    // No retries: every connection after the recreation must work, the first one included.
    for (let i = 0; i < 5; i++) {
      const response = await getApi(handle);
      assert.equal(response.status, 200);
      assert.equal(handle.status.podName, 'pool-b');
    }
    assert.equal(handle.stats.reconnects, 1);
    assert.equal(handle.state, 'ready');
    await waitFor(() => handle.warmTunnels >= 1, 10_000, 'warm tunnels to the new pod');
  });
});
