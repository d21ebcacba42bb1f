import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { KubeMlError } from '../../../src/cluster/errors';
import { findExecutable } from '../../../src/cluster/execCredentials/pluginExecutable';
import {
  checkExecPlugin,
  locateKubeconfig,
  resolveKubeconfig,
} from '../../../src/cluster/kubeconfigResolver';

function kubeconfig(options: {
  clusters?: [string, string][];
  users?: string[];
  contexts?: [string, string, string, string?][];
  current?: string;
  exec?: Record<string, string>;
}): string {
  const lines = ['apiVersion: v1', 'kind: Config'];
  if (options.current) lines.push(`current-context: ${options.current}`);
  lines.push('clusters:');
  for (const [name, server] of options.clusters ?? [])
    lines.push(`- name: ${name}`, '  cluster:', `    server: ${server}`);
  lines.push('users:');
  for (const name of options.users ?? []) {
    lines.push(`- name: ${name}`, '  user:');
    const command = options.exec?.[name];
    if (command)
      lines.push(
        '    exec:',
        '      apiVersion: client.authentication.k8s.io/v1beta1',
        `      command: ${command}`,
      );
    else lines.push(`    token: token-of-${name}`);
  }
  lines.push('contexts:');
  for (const [name, cluster, user, namespace] of options.contexts ?? []) {
    lines.push(`- name: ${name}`, '  context:', `    cluster: ${cluster}`, `    user: ${user}`);
    if (namespace) lines.push(`    namespace: ${namespace}`);
  }
  return lines.join('\n') + '\n';
}

describe('kubeconfigResolver', () => {
  let dir: string;
  let home: string;
  const write = (name: string, text: string): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
  };

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kmw-kubeconfig-'));
    home = path.join(dir, 'home');
    fs.mkdirSync(home);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('merges several KUBECONFIG files like kubectl: first name wins, first current-context wins', () => {
    const first = write(
      'a.yaml',
      kubeconfig({
        clusters: [['shared', 'https://127.0.0.1:1111']],
        users: ['alice'],
        contexts: [['dev', 'shared', 'alice', 'ml-team']],
      }),
    );
    const second = write(
      'b.yaml',
      kubeconfig({
        current: 'prod',
        clusters: [
          ['shared', 'https://127.0.0.1:2222'],
          ['prod-cluster', 'https://127.0.0.1:3333'],
        ],
        users: ['alice', 'bob'],
        contexts: [
          ['dev', 'prod-cluster', 'bob'],
          ['prod', 'prod-cluster', 'bob'],
        ],
      }),
    );
    const third = write(
      'c.yaml',
      kubeconfig({ current: 'dev', contexts: [['other', 'shared', 'alice']] }),
    );
    const resolved = resolveKubeconfig({
      env: { KUBECONFIG: [first, second, third].join(path.delimiter) },
      homeDir: home,
    });
    assert.equal(resolved.source, 'env');
    assert.deepEqual(resolved.files, [first, second, third]);
    const config = resolved.kubeConfig;
    assert.equal(
      config.getCurrentContext(),
      'prod',
      'current-context comes from the first file that sets it',
    );
    assert.equal(
      config.getCluster('shared')?.server,
      'https://127.0.0.1:1111',
      'the first file defining a cluster wins',
    );
    assert.equal(
      config.getContextObject('dev')?.cluster,
      'shared',
      'the first file defining a context wins',
    );
    assert.equal(config.getContextObject('dev')?.namespace, 'ml-team');
    assert.equal(config.getUser('alice')?.token, 'token-of-alice');
    assert.deepEqual(
      config.getContexts().map((c) => c.name),
      ['dev', 'prod', 'other'],
    );
  });

  it('skips missing KUBECONFIG files and does not fall back to ~/.kube/config', () => {
    fs.mkdirSync(path.join(home, '.kube'));
    write(
      'home/.kube/config',
      kubeconfig({
        current: 'home',
        clusters: [['h', 'https://127.0.0.1:1']],
        users: ['u'],
        contexts: [['home', 'h', 'u']],
      }),
    );
    const present = write(
      'present.yaml',
      kubeconfig({
        current: 'env',
        clusters: [['e', 'https://127.0.0.1:2']],
        users: ['u'],
        contexts: [['env', 'e', 'u']],
      }),
    );
    const missing = path.join(dir, 'missing.yaml');
    const resolved = resolveKubeconfig({
      env: { KUBECONFIG: `${missing}${path.delimiter}${present}` },
      homeDir: home,
    });
    assert.deepEqual(resolved.missing, [missing]);
    assert.deepEqual(
      resolved.kubeConfig.getContexts().map((c) => c.name),
      ['env'],
    );
  });

  it('reports when every KUBECONFIG file is missing', () => {
    const missing = path.join(dir, 'nope.yaml');
    assert.throws(
      () => resolveKubeconfig({ env: { KUBECONFIG: missing }, homeDir: home }),
      (error: unknown) =>
        error instanceof KubeMlError &&
        error.kind === 'noKubeconfig' &&
        error.summary.includes(missing),
    );
  });

  it('uses ~/.kube/config when KUBECONFIG is unset, and says so when it is missing too', () => {
    assert.throws(
      () => resolveKubeconfig({ env: {}, homeDir: home }),
      (error: unknown) =>
        error instanceof KubeMlError &&
        error.kind === 'noKubeconfig' &&
        /~\/\.kube\/config/.test(error.summary),
    );
    fs.mkdirSync(path.join(home, '.kube'));
    write(
      'home/.kube/config',
      kubeconfig({
        current: 'home',
        clusters: [['h', 'https://127.0.0.1:1']],
        users: ['u'],
        contexts: [['home', 'h', 'u']],
      }),
    );
    const resolved = resolveKubeconfig({ env: {}, homeDir: home });
    assert.equal(resolved.source, 'home');
    assert.equal(resolved.kubeConfig.getCurrentContext(), 'home');
  });

  it('lets the kubeMl.kubeconfig setting override KUBECONFIG, expanding ~', () => {
    const fromEnv = write(
      'env.yaml',
      kubeconfig({
        current: 'env',
        clusters: [['e', 'https://127.0.0.1:2']],
        users: ['u'],
        contexts: [['env', 'e', 'u']],
      }),
    );
    fs.writeFileSync(
      path.join(home, 'chosen.yaml'),
      kubeconfig({
        current: 'chosen',
        clusters: [['c', 'https://127.0.0.1:3']],
        users: ['u'],
        contexts: [['chosen', 'c', 'u']],
      }),
    );
    const resolved = resolveKubeconfig({
      settingPath: '~/chosen.yaml',
      env: { KUBECONFIG: fromEnv },
      homeDir: home,
    });
    assert.equal(resolved.source, 'setting');
    assert.equal(resolved.kubeConfig.getCurrentContext(), 'chosen');
    assert.throws(
      () =>
        resolveKubeconfig({
          settingPath: path.join(dir, 'typo.yaml'),
          env: { KUBECONFIG: fromEnv },
          homeDir: home,
        }),
      (error: unknown) =>
        error instanceof KubeMlError &&
        error.kind === 'noKubeconfig' &&
        error.summary.includes('typo.yaml') &&
        error.summary.includes('kubeMl.kubeconfig'),
    );
  });

  it('names the malformed file and the YAML error', () => {
    const good = write(
      'good.yaml',
      kubeconfig({
        current: 'x',
        clusters: [['c', 'https://127.0.0.1:1']],
        users: ['u'],
        contexts: [['x', 'c', 'u']],
      }),
    );
    const bad = write('bad.yaml', 'clusters:\n  - name: c\n   cluster: [unclosed\n');
    assert.throws(
      () =>
        resolveKubeconfig({ env: { KUBECONFIG: `${good}${path.delimiter}${bad}` }, homeDir: home }),
      (error: unknown) =>
        error instanceof KubeMlError &&
        error.kind === 'malformedKubeconfig' &&
        error.summary.includes(bad) &&
        /line \d+/.test(error.summary) &&
        !error.summary.includes('\n'),
    );
    const notMapping = write('list.yaml', '- just\n- a list\n');
    assert.throws(
      () => resolveKubeconfig({ settingPath: notMapping, homeDir: home }),
      /not a YAML mapping/,
    );
    const unquoted = write('unquoted.yaml', 'users:\n- name: u\n  user:\n    token: on\n');
    assert.throws(
      () => resolveKubeconfig({ settingPath: unquoted, homeDir: home }),
      (error: unknown) =>
        error instanceof KubeMlError &&
        error.kind === 'malformedKubeconfig' &&
        /users\.user\.token of "u" must be a string, not a boolean/.test(error.summary),
    );
    const numeric = write('numeric.yaml', 'users:\n- name: u\n  user:\n    token: 987654\n');
    assert.throws(
      () => resolveKubeconfig({ settingPath: numeric, homeDir: home }),
      (error: unknown) =>
        error instanceof KubeMlError &&
        /must be a string, not a number/.test(error.summary) &&
        !error.message.includes('987654'),
    );
  });

  it('treats an empty file as an empty kubeconfig', () => {
    const empty = write('empty.yaml', '');
    assert.deepEqual(
      resolveKubeconfig({ settingPath: empty, homeDir: home }).kubeConfig.getContexts(),
      [],
    );
  });

  it('resolves relative certificate paths against the file that names them', () => {
    const sub = path.join(dir, 'sub');
    fs.mkdirSync(sub);
    const file = path.join(sub, 'config');
    fs.writeFileSync(
      file,
      'clusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:1\n    certificate-authority: ca.crt\nusers: []\ncontexts: []\n',
    );
    assert.equal(
      resolveKubeconfig({ settingPath: file, homeDir: home }).kubeConfig.getCluster('c')?.caFile,
      path.join(sub, 'ca.crt'),
    );
  });

  it('falls back to the in-cluster ServiceAccount', () => {
    const prefix = path.join(dir, 'root');
    const saDir = path.join(prefix, 'var/run/secrets/kubernetes.io/serviceaccount');
    fs.mkdirSync(saDir, { recursive: true });
    fs.writeFileSync(path.join(saDir, 'token'), 'in-cluster-token');
    fs.writeFileSync(path.join(saDir, 'namespace'), 'ml-team');
    const resolved = resolveKubeconfig({
      env: { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: '6443' },
      homeDir: home,
      inClusterPrefix: prefix,
    });
    assert.equal(resolved.source, 'inCluster');
    assert.equal(resolved.kubeConfig.getCurrentCluster()?.server, 'https://127.0.0.1:6443');
    assert.equal(
      resolved.kubeConfig.getContextObject(resolved.kubeConfig.getCurrentContext())?.namespace,
      'ml-team',
    );
    assert.equal(locateKubeconfig({ env: {}, homeDir: home }).source, 'inCluster');
  });

  it('names a missing exec credential plugin before any request', () => {
    const file = write(
      'exec.yaml',
      kubeconfig({
        current: 'gke',
        clusters: [['c', 'https://127.0.0.1:1']],
        users: ['gke-user', 'aws-user', 'plain'],
        contexts: [
          ['gke', 'c', 'gke-user'],
          ['eks', 'c', 'aws-user'],
          ['token', 'c', 'plain'],
        ],
        exec: { 'gke-user': 'gke-gcloud-auth-plugin', 'aws-user': 'aws' },
      }),
    );
    const config = resolveKubeconfig({ settingPath: file, homeDir: home }).kubeConfig;
    const emptyPath = { PATH: path.join(dir, 'bin') };
    const gke = checkExecPlugin(config, 'gke', emptyPath);
    assert.equal(gke?.kind, 'authPluginMissing');
    assert.match(gke!.summary, /"gke-gcloud-auth-plugin"/);
    assert.match(gke!.hint!, /gcloud components install gke-gcloud-auth-plugin/);
    assert.match(checkExecPlugin(config, 'eks', emptyPath)!.summary, /exec plugin "aws"/);
    assert.equal(
      checkExecPlugin(config, 'token', emptyPath),
      undefined,
      'token users need no plugin',
    );

    fs.mkdirSync(path.join(dir, 'bin'));
    const plugin = path.join(dir, 'bin', 'gke-gcloud-auth-plugin');
    fs.writeFileSync(plugin, '#!/bin/sh\n', { mode: 0o755 });
    assert.equal(checkExecPlugin(config, 'gke', emptyPath), undefined);
    assert.equal(findExecutable('gke-gcloud-auth-plugin', emptyPath), plugin);
    fs.chmodSync(plugin, 0o644);
    assert.equal(
      findExecutable('gke-gcloud-auth-plugin', emptyPath),
      undefined,
      'a file that is not executable does not count',
    );
  });

  it('resolves a relative exec command against the file that names it, as client-go does; a bare name stays a PATH lookup', () => {
    const first = write(
      'first.yaml',
      kubeconfig({
        current: 'dev',
        clusters: [['c', 'https://127.0.0.1:1']],
        users: ['alice'],
        contexts: [['dev', 'c', 'alice']],
      }),
    );
    const sub = path.join(dir, 'team');
    fs.mkdirSync(path.join(sub, 'bin'), { recursive: true });
    const second = path.join(sub, 'config');
    fs.writeFileSync(
      second,
      kubeconfig({
        clusters: [['d', 'https://127.0.0.1:2']],
        users: ['bob', 'carol'],
        contexts: [['team', 'd', 'bob']],
        exec: { bob: 'bin/login', carol: 'kubelogin' },
      }),
    );
    fs.writeFileSync(path.join(sub, 'bin', 'login'), '#!/bin/sh\n', { mode: 0o755 });
    const config = resolveKubeconfig({
      env: { KUBECONFIG: [first, second].join(path.delimiter) },
      homeDir: home,
    }).kubeConfig;
    assert.equal(config.getUser('bob')?.exec.command, path.join(sub, 'bin', 'login'));
    assert.equal(config.getUser('carol')?.exec.command, 'kubelogin');
    assert.equal(
      checkExecPlugin(config, 'team', { PATH: '' }),
      undefined,
      'found beside its kubeconfig, not beside the first file',
    );
  });

  it("keeps each cluster's exec plugin extension, from the file whose cluster wins", () => {
    const extension = (audience: string): string =>
      `    extensions:\n    - name: client.authentication.k8s.io/exec\n      extension:\n        audience: ${audience}\n`;
    const first = write(
      'a.yaml',
      `clusters:\n- name: shared\n  cluster:\n    server: https://127.0.0.1:1\n${extension('first')}- name: plain\n  cluster:\n    server: https://127.0.0.1:2\n`,
    );
    const second = write(
      'b.yaml',
      `clusters:\n- name: shared\n  cluster:\n    server: https://127.0.0.1:3\n${extension('second')}- name: only-here\n  cluster:\n    server: https://127.0.0.1:4\n${extension('third')}`,
    );
    const resolved = resolveKubeconfig({
      env: { KUBECONFIG: [first, second].join(path.delimiter) },
      homeDir: home,
    });
    assert.deepEqual(
      [...resolved.execExtensions],
      [
        ['shared', { audience: 'first' }],
        ['only-here', { audience: 'third' }],
      ],
    );
  });
});
