import * as assert from 'node:assert/strict';
import { isKubeMlError } from '../../../src/cluster/errors';
import {
  PodPortSession,
  type PodPortStream,
  type PortForwardTransport,
} from '../../../src/cluster/podPortSession';
import { ApiServerRelay } from '../apiServerRelay';
import { createTestNamespace, deleteTestNamespace, sandboxKubeConfig, waitFor } from '../sandbox';
import { createLabelledPod } from '../testPods';

interface Exchange {
  stream: PodPortStream;
  done: Promise<{ response: string; error?: string }>;
}

/** One HTTP/1.1 request on its own stream; resolves with everything the pod sent until it closed. */
function request(session: PodPortSession, port: number, path: string): Exchange {
  let response = '';
  let settle: (result: { response: string; error?: string }) => void = () => undefined;
  const done = new Promise<{ response: string; error?: string }>((resolve) => (settle = resolve));
  const stream = session.openStream(port, {
    onData: (data) => (response += data.toString('utf8')),
    onEnd: () => settle({ response }),
    onError: (message) => settle({ response, error: message }),
    onWritable: () => undefined,
  });
  stream.write(Buffer.from(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`));
  // Half-close, as `curl` or ssh do when they have sent everything: the answer still arrives.
  stream.end();
  return { stream, done };
}

describe('remote access: multiplexed port-forward session (sandbox)', function () {
  this.timeout(60_000);
  const kubeConfig = sandboxKubeConfig('developer');
  let namespace: string;
  const sessions: PodPortSession[] = [];

  before(async () => {
    namespace = await createTestNamespace('ra-spdy');
    await createLabelledPod(namespace, 'spdy-a', 'spdy');
  });
  after(async () => {
    for (const session of sessions) session.dispose();
    await deleteTestNamespace(namespace);
  });

  for (const transport of ['websocket', 'upgrade'] as PortForwardTransport[]) {
    it(`carries 20 concurrent connections on one ${transport} session, then frees their streams`, async () => {
      const session = await PodPortSession.open(kubeConfig, namespace, 'spdy-a', transport);
      sessions.push(session);
      assert.equal(session.transport, transport);
      const exchanges = Array.from({ length: 20 }, (_, index) =>
        request(session, index % 2 ? 8888 : 8000, index % 2 ? '/api' : '/v1/models'),
      );
      assert.equal(session.activeStreams, 40, 'a data and an error stream per connection');
      const results = await Promise.all(exchanges.map((exchange) => exchange.done));
      for (const [index, result] of results.entries()) {
        assert.equal(result.error, undefined);
        assert.match(result.response, /^HTTP\/1\.1 200/);
        if (index % 2) assert.match(result.response, /"version": ?"2\.14\.2"/);
        else assert.match(result.response, /"object": ?"list"/);
      }
      for (const exchange of exchanges) exchange.stream.close();
      assert.equal(session.activeStreams, 0);
      assert.equal(session.isUsable, true);
    });
  }

  it("tries the SPDY upgrade first, the cheaper of kubectl's two ways", async () => {
    const session = await PodPortSession.open(kubeConfig, namespace, 'spdy-a');
    sessions.push(session);
    assert.equal(session.transport, 'upgrade');
  });

  it('reports what the pod side says when nothing listens on the port, and the session stays usable', async () => {
    const session = await PodPortSession.open(kubeConfig, namespace, 'spdy-a');
    sessions.push(session);
    const failed = await request(session, 9, '/').done;
    assert.match(
      failed.error ?? '',
      /error forwarding port 9 to pod spdy-a\/.*forward not found for port 9/,
      `error: ${failed.error}`,
    );
    assert.equal(failed.response, '');
    const after = await request(session, 8888, '/api').done;
    assert.match(after.response, /^HTTP\/1\.1 200/);
  });

  it('names the pod and the refusal when the pod does not exist or the user may not forward', async () => {
    await assert.rejects(
      PodPortSession.open(kubeConfig, namespace, 'no-such-pod'),
      (error: unknown) => {
        assert.ok(isKubeMlError(error), String(error));
        assert.equal(error.kind, 'notFound');
        return true;
      },
    );
    await assert.rejects(
      PodPortSession.open(kubeConfig, 'kube-system', 'anything'),
      (error: unknown) => {
        assert.ok(isKubeMlError(error), String(error));
        assert.equal(error.kind, 'forbidden');
        return true;
      },
    );
  });

  for (const transport of ['upgrade', 'websocket'] as PortForwardTransport[]) {
    it(`keeps a session whose pings are answered, and ends one that went silent (sleep) with the reason (${transport})`, async () => {
      const relay = await ApiServerRelay.start();
      try {
        const session = await PodPortSession.open(
          relay.kubeConfig('developer'),
          namespace,
          'spdy-a',
          transport,
          { heartbeat: { intervalMs: 200, timeoutMs: 2000 } },
        );
        sessions.push(session);
        let closedWith = '';
        session.onDidClose((reason) => (closedWith = reason));
        assert.match((await request(session, 8888, '/api').done).response, /^HTTP\/1\.1 200/);
        // Idle now: whatever the API server sends are answers to the pings.
        const answered = relay.chunksFromServer;
        await waitFor(() => relay.chunksFromServer >= answered + 3, 15_000, 'three pings answered');
        assert.equal(session.isUsable, true);
        let error = '';
        session.openStream(8888, {
          onData: () => undefined,
          onEnd: () => undefined,
          onError: (message) => (error = message),
          onWritable: () => undefined,
        });
        relay.freeze();
        await waitFor(() => closedWith, 20_000, 'the session to notice the dead connection');
        assert.match(closedWith, /no answer to a ping for 2 s: the connection is dead/);
        assert.equal(error, closedWith, 'the open connection learns why');
        assert.equal(session.isUsable, false);
        const fresh = await PodPortSession.open(
          relay.kubeConfig('developer'),
          namespace,
          'spdy-a',
          transport,
        );
        sessions.push(fresh);
        assert.match(
          (await request(fresh, 8888, '/api').done).response,
          /^HTTP\/1\.1 200/,
          'a new session works',
        );
      } finally {
        await relay.close();
      }
    });
  }

  it('resets its streams with a reason when the session is closed under them', async () => {
    const session = await PodPortSession.open(kubeConfig, namespace, 'spdy-a');
    let closedWith = '';
    session.onDidClose((reason) => (closedWith = reason));
    let error = '';
    session.openStream(8888, {
      onData: () => undefined,
      onEnd: () => undefined,
      onError: (message) => (error = message),
      onWritable: () => undefined,
    });
    session.dispose();
    await waitFor(() => error !== '', 5_000, 'the stream reset');
    assert.equal(error, 'closed');
    assert.equal(closedWith, 'closed');
    assert.equal(session.isUsable, false);
    assert.throws(
      () =>
        session.openStream(8888, {
          onData: () => undefined,
          onEnd: () => undefined,
          onError: () => undefined,
          onWritable: () => undefined,
        }),
      /has ended: closed/,
    );
  });
});
