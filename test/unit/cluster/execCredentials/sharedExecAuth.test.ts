import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as https from 'node:https';
import { ExecCredentialCache } from '../../../../src/cluster/execCredentials/credentialCache';
import { withSharedExecCredentials } from '../../../../src/cluster/execCredentials/sharedExecAuth';
import { resolveKubeconfig } from '../../../../src/cluster/kubeconfigResolver';
import { COUNT_RUN, V1, pluginDir, printCredential, runsOf, writePlugin } from './plugins';

const KUBECONFIG = `apiVersion: v1
kind: Config
current-context: exec
clusters:
- name: c
  cluster:
    server: https://127.0.0.1:6443
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

async function authorizationOf(kubeConfig: { applyToHTTPSOptions(opts: https.RequestOptions): Promise<void> }): Promise<unknown> {
  const opts: https.RequestOptions = {};
  await kubeConfig.applyToHTTPSOptions(opts);
  return (opts.headers as Record<string, unknown> | undefined)?.Authorization;
}

describe('withSharedExecCredentials (client-node requests through the shared cache)', () => {
  let dir: string;
  beforeEach(() => {
    dir = pluginDir();
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('gives every session the one credential, streams the prompt, and leaves other users alone', async () => {
    writePlugin(dir, 'login', [COUNT_RUN, 'echo "Open https://login.example.test/device and enter the code ABCD-1234" >&2', printCredential('token-$RUN')]);
    const file = path.join(dir, 'config');
    fs.writeFileSync(file, KUBECONFIG);
    const resolved = resolveKubeconfig({ settingPath: file, homeDir: dir });
    const cache = new ExecCredentialCache();
    const prompts: string[] = [];
    const sessions = [0, 1, 2].map(() => withSharedExecCredentials(resolved.kubeConfig, cache, resolved.execExtensions, { onStderrLine: (line) => prompts.push(line) }));
    const headers = await Promise.all(sessions.map(authorizationOf));
    assert.deepEqual(headers, ['Bearer token-1', 'Bearer token-1', 'Bearer token-1']);
    assert.equal(await authorizationOf(sessions[0]), 'Bearer token-1');
    assert.equal(runsOf(dir), 1, 'client-node\'s ExecAuth would run the plugin once per KubeConfig');
    assert.deepEqual([...new Set(prompts)], ['Open https://login.example.test/device and enter the code ABCD-1234']);
    sessions[1].setCurrentContext('token');
    assert.equal(await authorizationOf(sessions[1]), 'Bearer static-token');
    assert.ok(resolved.kubeConfig.getUser('exec-user')?.exec, 'the resolved kubeconfig is not changed');
  });
});
