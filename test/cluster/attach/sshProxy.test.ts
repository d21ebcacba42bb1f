import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { proxyArgv } from '../../../src/attach/model/proxyArguments';
import {
  ADMIN_CONTEXT,
  createTestNamespace,
  deleteTestNamespace,
  SANDBOX_KUBECONFIG,
  waitFor,
} from '../sandbox';
import { createLabelledPod } from '../testPods';

const REPO = path.resolve(__dirname, '..', '..', '..');

describe('remote access: ssh ProxyCommand script (sandbox)', function () {
  this.timeout(90_000);
  let namespace: string;

  before(async () => {
    namespace = await createTestNamespace('ra-proxy');
    await createLabelledPod(namespace, 'proxy-0', 'proxy');
  });
  after(() => deleteTestNamespace(namespace));

  it('carries bytes both ways between stdio and a pod port (8888 standing in for sshd)', async () => {
    const argv = proxyArgv({
      kubeconfig: SANDBOX_KUBECONFIG,
      context: ADMIN_CONTEXT,
      namespace,
      pod: 'proxy-0',
      port: 8888,
    });
    const child = spawn(
      process.execPath,
      [
        path.join(REPO, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
        path.join(REPO, 'src', 'attach', 'sshProxy.ts'),
        ...argv,
      ],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let stdout = Buffer.alloc(0);
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout = Buffer.concat([stdout, chunk])));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      child.stdin.write('GET /api HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
      const text = await waitFor(
        () => {
          const received = stdout.toString('utf8');
          return received.includes('"version"') ? received : undefined;
        },
        30_000,
        `the HTTP reply on the proxy's stdout (stderr: ${stderr})`,
      );
      assert.match(text, /^HTTP\/1\.1 200 OK\r\n/);
      assert.match(text, /\{"version":"2\.14\.2"\}/);
      assert.equal(stderr, '');
      // ssh ends its ProxyCommand when the session ends; the proxy must exit cleanly on SIGTERM.
      child.kill('SIGTERM');
      await waitFor(
        () => child.exitCode !== null || child.signalCode !== null,
        15_000,
        'the proxy to exit',
      );
    } finally {
      child.kill();
    }
  });
});
