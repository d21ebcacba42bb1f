import * as assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { WebSocketServer } from 'ws';
import { runTextCommand } from '../../../src/cluster/exec';
import { isKubeMlError } from '../../../src/cluster/errors';

/** An API server on loopback whose exec endpoint accepts the stream and then never answers. */
async function silentExecServer(): Promise<{
  kubeConfig: KubeConfig;
  connections: () => number;
  close: () => Promise<void>;
}> {
  const server = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    handleProtocols: (protocols) =>
      protocols.has('v4.channel.k8s.io') ? 'v4.channel.k8s.io' : false,
  });
  let connections = 0;
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: 'silent', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: 'user', token: 'not-a-secret' }],
    contexts: [{ name: 'silent', cluster: 'silent', user: 'user' }],
    currentContext: 'silent',
  });
  const close = () =>
    new Promise<void>((resolve) => {
      for (const client of server.clients) client.terminate();
      server.close(() => resolve());
    });
  return { kubeConfig, connections: () => connections, close };
}

describe('cluster/exec: a command that never answers', () => {
  it('ends with a timeout error when the caller set timeoutMs', async () => {
    const { kubeConfig, connections, close } = await silentExecServer();
    try {
      await assert.rejects(
        runTextCommand(
          kubeConfig,
          { namespace: 'ml', pod: 'gpu-0', container: 'main' },
          ['nvidia-smi'],
          { timeoutMs: 200 },
        ),
        (error: unknown) => {
          assert.ok(isKubeMlError(error), String(error));
          assert.equal(error.kind, 'timeout');
          assert.match(
            error.summary,
            /^Could not run nvidia-smi in ml\/gpu-0: no answer within 0\.2 s\.$/,
          );
          return true;
        },
      );
      assert.equal(connections(), 1, 'the exec stream was opened');
    } finally {
      await close();
    }
  });
});
