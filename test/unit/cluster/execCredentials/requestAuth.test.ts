import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import {
  ExecCredentialCache,
  type CredentialRequest,
} from '../../../../src/cluster/execCredentials/credentialCache';
import {
  execAuthentication,
  execRequestFor,
} from '../../../../src/cluster/execCredentials/requestAuth';
import { checkExecPlugin, resolveKubeconfig } from '../../../../src/cluster/kubeconfigResolver';
import { V1, pluginDir, printCredential, writePlugin } from './plugins';

function kubeconfig(user: string, cluster: string, command: string, extra: string[] = []): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    `current-context: ${user}`,
    'clusters:',
    `- name: ${cluster}`,
    '  cluster:',
    '    server: https://127.0.0.1:6443',
    '    certificate-authority-data: Y2E=',
    ...extra,
    'users:',
    `- name: ${user}`,
    '  user:',
    '    exec:',
    `      apiVersion: ${V1}`,
    `      command: ${command}`,
    '      interactiveMode: Never',
    '      provideClusterInfo: true',
    'contexts:',
    `- name: ${user}`,
    '  context:',
    `    cluster: ${cluster}`,
    `    user: ${user}`,
    '',
  ].join('\n');
}

/** The plugin request of `contextName`'s user, or undefined when that user has no `exec`. */
function execCredentialRequest(
  kubeConfig: KubeConfig,
  contextName: string,
  execExtensions: ReadonlyMap<string, unknown>,
): CredentialRequest | undefined {
  const context = kubeConfig.getContextObject(contextName);
  const user = context ? kubeConfig.getUser(context.user) : null;
  return context && user?.exec
    ? execRequestFor(user, kubeConfig.getCluster(context.cluster), execExtensions)
    : undefined;
}

describe('exec credentials for a kubeconfig user', () => {
  let dir: string;
  let cwd: string;
  beforeEach(() => {
    dir = pluginDir();
    cwd = process.cwd();
  });
  afterEach(() => {
    process.chdir(cwd);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('resolves a relative command against the kubeconfig file naming it, not the first file or the working directory', async () => {
    const first = path.join(dir, 'first', 'config');
    const second = path.join(dir, 'second', 'config');
    fs.mkdirSync(path.dirname(first));
    fs.mkdirSync(path.dirname(second));
    fs.writeFileSync(
      first,
      kubeconfig('token-user', 'a', 'unused-plugin').replace(/current-context: .*\n/, ''),
    );
    fs.writeFileSync(second, kubeconfig('exec-user', 'b', './bin/login'));
    const plugin = writePlugin(dir, 'second/bin/login', printCredential('relative-token'));
    process.chdir(path.join(dir, 'first'));
    const resolved = resolveKubeconfig({
      env: { KUBECONFIG: `${first}${path.delimiter}${second}` },
      homeDir: dir,
    });
    assert.equal(resolved.kubeConfig.getUser('exec-user')?.exec.command, plugin);
    assert.equal(checkExecPlugin(resolved.kubeConfig, 'exec-user', { PATH: '' }), undefined);
    const request = execCredentialRequest(
      resolved.kubeConfig,
      'exec-user',
      resolved.execExtensions,
    )!;
    assert.equal(
      (await execAuthentication(new ExecCredentialCache(), request)).headers.Authorization,
      'Bearer relative-token',
    );
  });

  it('keeps a bare command name for the PATH lookup', () => {
    const file = path.join(dir, 'config');
    fs.writeFileSync(file, kubeconfig('u', 'c', 'kubelogin'));
    assert.equal(
      resolveKubeconfig({ settingPath: file, homeDir: dir }).kubeConfig.getUser('u')?.exec.command,
      'kubelogin',
    );
  });

  it("gives a plugin with provideClusterInfo its cluster and the cluster's exec extension", async () => {
    const file = path.join(dir, 'config');
    fs.writeFileSync(
      file,
      kubeconfig('u', 'c', './info', [
        '    tls-server-name: api.internal',
        '    extensions:',
        '    - name: other',
        '      extension: {}',
        '    - name: client.authentication.k8s.io/exec',
        '      extension:',
        '        audience: ml-cluster',
      ]),
    );
    writePlugin(dir, 'info', [
      'printf "%s" "$KUBERNETES_EXEC_INFO" > "$DIR/exec-info"',
      printCredential('t'),
    ]);
    const resolved = resolveKubeconfig({ settingPath: file, homeDir: dir });
    const request = execCredentialRequest(resolved.kubeConfig, 'u', resolved.execExtensions)!;
    await execAuthentication(new ExecCredentialCache(), request);
    assert.deepEqual(
      JSON.parse(fs.readFileSync(path.join(dir, 'exec-info'), 'utf8')).spec.cluster,
      {
        server: 'https://127.0.0.1:6443',
        'tls-server-name': 'api.internal',
        'certificate-authority-data': 'Y2E=',
        config: { audience: 'ml-cluster' },
      },
    );
  });

  it('returns the token as a bearer header, nothing for users without exec', async () => {
    const file = path.join(dir, 'config');
    fs.writeFileSync(file, kubeconfig('u', 'c', './token'));
    writePlugin(dir, 'token', printCredential('abc'));
    const resolved = resolveKubeconfig({ settingPath: file, homeDir: dir });
    const authentication = await execAuthentication(
      new ExecCredentialCache(),
      execCredentialRequest(resolved.kubeConfig, 'u', resolved.execExtensions)!,
    );
    assert.deepEqual(authentication.headers, { Authorization: 'Bearer abc' });
    assert.equal(authentication.cert, undefined);
    assert.equal(
      execCredentialRequest(resolved.kubeConfig, 'missing-context', resolved.execExtensions),
      undefined,
    );
  });
});
