import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import type * as https from 'node:https';
import { CoreV1Api } from '@kubernetes/client-node';
import { ExecCredentialCache } from '../../../../src/cluster/execCredentials/credentialCache';
import { SharedExecKubeConfig } from '../../../../src/cluster/execCredentials/sharedExecAuth';
import type { SignIn } from '../../../../src/cluster/execCredentials/signIn';
import {
  resolveKubeconfig,
  type ResolvedKubeconfig,
} from '../../../../src/cluster/kubeconfigResolver';
import { COUNT_RUN, V1, pluginDir, printCredential, runsOf, writePlugin } from './plugins';

function kubeconfigText(server: string): string {
  return `apiVersion: v1
kind: Config
current-context: exec
clusters:
- name: c
  cluster:
    server: ${server}${server.startsWith('http:') ? '\n    insecure-skip-tls-verify: true' : ''}
users:
- name: exec-user
  user:
    exec:
      apiVersion: ${V1}
      command: ./login
      interactiveMode: IfAvailable
- name: token-user
  user:
    token: static-token
contexts:
- name: exec
  context: {cluster: c, user: exec-user}
- name: token
  context: {cluster: c, user: token-user}
`;
}

async function authorizationOf(kubeConfig: {
  applyToHTTPSOptions(opts: https.RequestOptions): Promise<void>;
}): Promise<unknown> {
  const opts: https.RequestOptions = {};
  await kubeConfig.applyToHTTPSOptions(opts);
  return (opts.headers as Record<string, unknown> | undefined)?.Authorization;
}

function session(
  resolved: ResolvedKubeconfig,
  cache: ExecCredentialCache,
  currentContext = 'exec',
): SharedExecKubeConfig {
  const { kubeConfig } = resolved;
  return new SharedExecKubeConfig(
    {
      clusters: kubeConfig.getClusters(),
      users: kubeConfig.getUsers(),
      contexts: kubeConfig.getContexts(),
      currentContext,
    },
    cache,
    resolved.execExtensions,
  );
}

describe('SharedExecKubeConfig (client-node requests through the shared cache)', () => {
  let dir: string;
  beforeEach(() => {
    dir = pluginDir();
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  function resolveWith(server: string): ResolvedKubeconfig {
    const file = path.join(dir, 'config');
    fs.writeFileSync(file, kubeconfigText(server));
    return resolveKubeconfig({ settingPath: file, homeDir: dir });
  }

  it('gives every session the one credential, shows the prompt once, and leaves other users alone', async () => {
    writePlugin(dir, 'login', [
      COUNT_RUN,
      'echo "Open https://login.example.test/device and enter the code ABCD-1234" >&2',
      printCredential('token-$RUN'),
    ]);
    const resolved = resolveWith('https://127.0.0.1:6443');
    const signIns: SignIn[] = [];
    const prompts: string[] = [];
    const cache = new ExecCredentialCache({
      surface: {
        show: (signIn) => (signIns.push(signIn), signIn.onLine((line) => prompts.push(line))),
        terminal: () => undefined,
      },
    });
    const sessions = [0, 1, 2].map(() => session(resolved, cache));
    const headers = await Promise.all(sessions.map(authorizationOf));
    assert.deepEqual(headers, ['Bearer token-1', 'Bearer token-1', 'Bearer token-1']);
    assert.equal(await authorizationOf(sessions[0]), 'Bearer token-1');
    assert.equal(runsOf(dir), 1, "client-node's ExecAuth would run the plugin once per KubeConfig");
    assert.deepEqual(
      signIns.map((signIn) => [signIn.plugin, signIn.userName]),
      [['login', 'exec-user']],
    );
    assert.deepEqual(prompts, [
      'Open https://login.example.test/device and enter the code ABCD-1234',
    ]);
    sessions[1].setCurrentContext('token');
    assert.equal(await authorizationOf(sessions[1]), 'Bearer static-token');
    assert.equal(sessions[1].rejectCredentials(), false, 'a static token cannot be refreshed');
    assert.ok(
      resolved.kubeConfig.getUser('exec-user')?.exec,
      'the resolved kubeconfig is not changed',
    );
  });

  it('answers a 401 by running the plugin again and retrying once; a second 401 reaches the caller', async () => {
    writePlugin(dir, 'login', [COUNT_RUN, printCredential('token-$RUN')]);
    const accepted = new Set(['Bearer token-2']);
    const seen: string[] = [];
    const server = http.createServer((request, response) => {
      seen.push(request.headers.authorization ?? '');
      const ok = accepted.has(request.headers.authorization ?? '');
      response.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
      response.end(
        ok
          ? '{"kind":"PodList","apiVersion":"v1","metadata":{},"items":[]}'
          : '{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Unauthorized","code":401}',
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const resolved = resolveWith(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
      const core = session(resolved, new ExecCredentialCache()).makeApiClient(CoreV1Api);
      const pods = await core.listNamespacedPod({ namespace: 'ml-team' });
      assert.deepEqual(pods.items, []);
      assert.deepEqual(seen, ['Bearer token-1', 'Bearer token-2']);
      assert.equal(runsOf(dir), 2);

      accepted.clear();
      await assert.rejects(
        core.listNamespacedPod({ namespace: 'ml-team' }),
        (error: { code?: number }) => error.code === 401,
      );
      assert.deepEqual(
        seen.slice(2),
        ['Bearer token-2', 'Bearer token-3'],
        'one refresh per request, not a loop',
      );
    } finally {
      server.close();
    }
  });
});
