import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import {
  startPortForward,
  type PortForwardHandle,
  type PortForwardStatus,
} from '../../../src/cluster/portForward';
import { resolveRunningPod } from '../../../src/cluster/podResolver';
import { isKubeMlError } from '../../../src/cluster/errors';
import { ApiServerRelay } from '../apiServerRelay';
import { createTestNamespace, deleteTestNamespace, sandboxKubeConfig, waitFor } from '../sandbox';
import { createLabelledPod, deletePodAndWait } from '../testPods';
import { httpGet } from '../../httpGet';

describe('remote access: port forward (sandbox)', function () {
  this.timeout(120_000);
  const kubeConfig = sandboxKubeConfig('developer');
  let namespace: string;
  const handles: PortForwardHandle[] = [];

  before(async () => {
    namespace = await createTestNamespace('ra-fwd');
    await createLabelledPod(namespace, 'fwd-a', 'fwd');
  });
  after(async () => {
    for (const handle of handles) handle.dispose();
    await deleteTestNamespace(namespace);
  });

  it('serves 20 concurrent HTTP requests through one forward, on 127.0.0.1 only', async () => {
    const handle = await startPortForward(kubeConfig, {
      namespace,
      podName: 'fwd-a',
      remotePort: 8888,
      localPort: 0,
    });
    handles.push(handle);
    assert.equal(handle.state, 'ready');
    assert.match(handle.url('/api'), /^http:\/\/127\.0\.0\.1:\d+\/api$/);
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, index) => httpGet(handle.url(index % 2 ? '/api' : '/'))),
    );
    for (const [index, response] of responses.entries()) {
      assert.equal(response.status, 200);
      if (index % 2) assert.deepEqual(JSON.parse(response.body), { version: '2.14.2' });
      else assert.match(response.body, /JupyterLab/);
    }
    assert.equal(handle.stats.connections, 20);
    assert.ok(
      handle.stats.bytesIn > 20 * 100 && handle.stats.bytesOut > 20 * 50,
      JSON.stringify(handle.stats),
    );
    await assert.rejects(
      new Promise((resolve, reject) =>
        net
          .connect({ host: '::1', port: handle.localPort })
          .on('connect', resolve)
          .on('error', reject),
      ),
      'the forward must not listen beyond 127.0.0.1',
    );
  });

  it('prefers the remote port number locally and falls back to a free port', async () => {
    const first = await startPortForward(kubeConfig, {
      namespace,
      podName: 'fwd-a',
      remotePort: 8000,
    });
    handles.push(first);
    const second = await startPortForward(kubeConfig, {
      namespace,
      podName: 'fwd-a',
      remotePort: 8000,
    });
    handles.push(second);
    assert.notEqual(first.localPort, second.localPort);
    assert.ok(first.localPort === 8000 || second.localPort !== 8000);
    const models = await httpGet(second.url('/v1/models'));
    assert.equal(models.status, 200);
    assert.ok(Array.isArray(JSON.parse(models.body).data));
  });

  it('keeps working after the pod is deleted and recreated under the same name (dev pod Stop + Resume), counted as one reconnect', async () => {
    const handle = await startPortForward(kubeConfig, {
      namespace,
      podName: 'fwd-a',
      remotePort: 8888,
      localPort: 0,
    });
    handles.push(handle);
    assert.equal((await httpGet(handle.url('/api'))).status, 200);
    assert.equal(handle.status.podName, 'fwd-a');
    assert.equal(handle.stats.reconnects, 0);
    await deletePodAndWait(namespace, 'fwd-a');
    await createLabelledPod(namespace, 'fwd-a', 'fwd');
    const response = await waitFor(
      () =>
        httpGet(handle.url('/api')).then((result) => (result.status === 200 ? result : undefined)),
      30_000,
      'a response from the recreated pod',
    );
    assert.deepEqual(JSON.parse(response.body), { version: '2.14.2' });
    assert.equal(handle.status.podName, 'fwd-a');
    assert.equal(handle.stats.reconnects, 1);
    assert.equal(handle.state, 'ready');
  });

  it('makes a few state changes in an outage, not two per refused connection, and recovers by itself', async () => {
    const relay = await ApiServerRelay.start();
    try {
      const handle = await startPortForward(relay.kubeConfig('developer'), {
        namespace,
        podName: 'fwd-a',
        remotePort: 8888,
        localPort: 0,
      });
      handles.push(handle);
      assert.equal((await httpGet(handle.url('/api'))).status, 200);
      const changes: PortForwardStatus[] = [];
      handle.onDidChangeState((status) => changes.push(status));
      await relay.refuse();
      let refused = 0;
      while (refused < 30) {
        await httpGet(handle.url('/api')).then(
          (result) =>
            assert.fail(`answered ${result.status} while the API server cannot be reached`),
          () => refused++,
        );
      }
      assert.equal(handle.state, 'error');
      assert.match(handle.status.message ?? '', /cannot be reached/);
      assert.deepEqual(
        changes.map((change) => change.state),
        ['reconnecting', 'error'],
        `${refused} refused connections`,
      );
      await relay.accept();
      await waitFor(
        () => httpGet(handle.url('/api')).then((result) => result.status === 200),
        30_000,
        'the forward to work again',
      );
      assert.deepEqual(
        changes.map((change) => change.state),
        ['reconnecting', 'error', 'ready'],
      );
    } finally {
      await relay.close();
    }
  });

  it('says clearly when the pod does not run', async () => {
    await assert.rejects(
      resolveRunningPod(kubeConfig, { namespace, podName: 'nobody' }),
      (error: unknown) => {
        assert.ok(isKubeMlError(error));
        assert.equal(error.kind, 'notFound');
        assert.match(error.summary, /No running pod of pod .+\/nobody/);
        return true;
      },
    );
    await assert.rejects(
      startPortForward(kubeConfig, {
        namespace,
        podName: 'nobody',
        remotePort: 8888,
        localPort: 0,
      }),
      /No running pod of pod/,
    );
    const waiting = await startPortForward(kubeConfig, {
      namespace,
      podName: 'nobody',
      remotePort: 8888,
      localPort: 0,
      waitForPod: true,
    });
    handles.push(waiting);
    assert.equal(waiting.state, 'waitingForPod');
  });
});
