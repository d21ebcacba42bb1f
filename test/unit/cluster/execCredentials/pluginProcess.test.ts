import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { isKubeMlError, type KubeMlError } from '../../../../src/cluster/errors';
import { readExecConfig } from '../../../../src/cluster/execCredentials/execConfig';
import { runExecPlugin } from '../../../../src/cluster/execCredentials/pluginProcess';
import { waitFor } from '../../../waitFor';
import {
  COUNT_RUN,
  V1,
  V1BETA1,
  execConfig,
  isAlive,
  pluginDir,
  printCredential,
  readPid,
  runsOf,
  writePlugin,
} from './plugins';

async function failure(promise: Promise<unknown>): Promise<KubeMlError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(isKubeMlError(error), `expected a KubeMlError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the run to fail');
}

const SECRET = 'secret-token-0123456789';

describe('exec credential plugin process', () => {
  let dir: string;
  beforeEach(() => {
    dir = pluginDir();
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('streams prompt lines while the plugin still runs (it exits only after the prompt was seen)', async () => {
    const plugin = writePlugin(
      dir,
      'login',
      [
        'printf "\\033[1mTo sign in\\033[0m, open https://microsoft.com/devicelogin and enter the code FGDH5WXQ7 to authenticate.\\n" >&2',
        'while [ ! -f "$DIR/seen" ]; do sleep 0.05; done',
        printCredential('fresh-token'),
      ].join('\n'),
    );
    const lines: string[] = [];
    const credential = await runExecPlugin({
      config: execConfig(plugin),
      timeoutMs: 30_000,
      onStderrLine: (line) => {
        lines.push(line);
        fs.writeFileSync(path.join(dir, 'seen'), '');
      },
    });
    assert.equal(credential.token, 'fresh-token');
    assert.deepEqual(
      lines,
      [
        'To sign in, open https://microsoft.com/devicelogin and enter the code FGDH5WXQ7 to authenticate.',
      ],
      'one line, escape codes removed',
    );
  });

  it("passes KUBERNETES_EXEC_INFO in the plugin's apiVersion, with the cluster only when provideClusterInfo", async () => {
    const info = (apiVersion: string): string[] => [
      'printf "%s" "$KUBERNETES_EXEC_INFO" > "$DIR/info-$MODE"',
      printCredential('t', apiVersion),
    ];
    const cluster = {
      server: 'https://127.0.0.1:6443',
      tlsServerName: 'kubernetes',
      insecureSkipTlsVerify: false,
      certificateAuthorityData: 'Y2E=',
      proxyUrl: 'http://127.0.0.1:3128',
      config: { audience: 'ml' },
    };
    await runExecPlugin({
      config: execConfig(writePlugin(dir, 'info-v1', info(V1)), {
        env: [{ name: 'MODE', value: 'plain' }],
      }),
      cluster,
    });
    await runExecPlugin({
      config: execConfig(writePlugin(dir, 'info-beta', info(V1BETA1)), {
        provideClusterInfo: true,
        apiVersion: V1BETA1,
        interactiveMode: undefined,
        env: [{ name: 'MODE', value: 'cluster' }],
      }),
      cluster,
    });
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, 'info-plain'), 'utf8')), {
      kind: 'ExecCredential',
      apiVersion: V1,
      spec: { interactive: false },
    });
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, 'info-cluster'), 'utf8')), {
      kind: 'ExecCredential',
      apiVersion: V1BETA1,
      spec: {
        cluster: {
          server: 'https://127.0.0.1:6443',
          'tls-server-name': 'kubernetes',
          'certificate-authority-data': 'Y2E=',
          'proxy-url': 'http://127.0.0.1:3128',
          config: { audience: 'ml' },
        },
        interactive: false,
      },
    });
  });

  it('sets env entries from the kubeconfig over the inherited environment', async () => {
    const plugin = writePlugin(
      dir,
      'env',
      ['printf "%s/%s" "$FROM_KUBECONFIG" "$INHERITED" > "$DIR/env"', printCredential('t')].join(
        '\n',
      ),
    );
    await runExecPlugin({
      config: execConfig(plugin, { env: [{ name: 'FROM_KUBECONFIG', value: 'yes' }] }),
      env: { ...process.env, INHERITED: 'kept', FROM_KUBECONFIG: 'overridden' },
    });
    assert.equal(fs.readFileSync(path.join(dir, 'env'), 'utf8'), 'yes/kept');
  });

  describe('interactiveMode, as client-go', () => {
    // The plugin records spec.interactive and what it could read from stdin.
    const body = [
      'printf "%s" "$KUBERNETES_EXEC_INFO" > "$DIR/info"',
      'if read -r answer; then printf "got:%s" "$answer" > "$DIR/stdin"; else printf eof > "$DIR/stdin"; fi',
      COUNT_RUN,
      printCredential('t'),
    ].join('\n');
    const cases: { mode: string; available: boolean; interactive: boolean | 'error' }[] = [
      { mode: 'Never', available: true, interactive: false },
      { mode: 'Never', available: false, interactive: false },
      { mode: 'IfAvailable', available: true, interactive: true },
      { mode: 'IfAvailable', available: false, interactive: false },
      { mode: 'Always', available: true, interactive: true },
      { mode: 'Always', available: false, interactive: 'error' },
    ];
    for (const { mode, available, interactive } of cases) {
      it(`${mode} with${available ? '' : 'out'} an interactive surface: ${interactive === 'error' ? 'an error, the plugin not run' : `interactive ${interactive}`}`, async () => {
        const plugin = writePlugin(dir, 'prompt', body);
        const input = new PassThrough();
        input.end('yes\n');
        const run = runExecPlugin({
          config: execConfig(plugin, { interactiveMode: mode }),
          interactiveInput: available ? input : undefined,
        });
        if (interactive === 'error') {
          const error = await failure(run);
          assert.equal(error.kind, 'authPluginFailed');
          assert.match(
            error.summary,
            /needs interactive input \(interactiveMode: Always\), and no interactive prompt is available/,
          );
          assert.equal(runsOf(dir), 0);
          return;
        }
        await run;
        assert.equal(
          JSON.parse(fs.readFileSync(path.join(dir, 'info'), 'utf8')).spec.interactive,
          interactive,
        );
        assert.equal(
          fs.readFileSync(path.join(dir, 'stdin'), 'utf8'),
          interactive ? 'got:yes' : 'eof',
          'stdin reaches the plugin only when interactive',
        );
      });
    }

    it('v1 without interactiveMode is rejected like kubectl; v1beta1 defaults to IfAvailable', () => {
      assert.throws(
        () => readExecConfig('alice', { apiVersion: V1, command: 'p' }),
        (error: KubeMlError) =>
          error.kind === 'malformedKubeconfig' &&
          /interactiveMode must be specified/.test(error.summary),
      );
      assert.equal(
        readExecConfig('alice', { apiVersion: V1BETA1, command: 'p' }).interactiveMode,
        'IfAvailable',
      );
      assert.throws(
        () =>
          readExecConfig('alice', { apiVersion: V1, command: 'p', interactiveMode: 'Sometimes' }),
        /invalid interactiveMode "Sometimes"/,
      );
      assert.throws(
        () =>
          readExecConfig('alice', {
            apiVersion: 'client.authentication.k8s.io/v1alpha1',
            command: 'p',
            interactiveMode: 'Never',
          }),
        /invalid apiVersion/,
      );
    });
  });

  it('times out a hanging plugin, says so, and kills it with what it started', async () => {
    const plugin = writePlugin(dir, 'hang', [
      'echo $$ > "$DIR/pid"',
      'echo "Waiting for the browser..." >&2',
      'sleep 600 & echo $! > "$DIR/child"',
      'wait',
    ]);
    const run = runExecPlugin({ config: execConfig(plugin), timeoutMs: 1000 });
    const error = await failure(run);
    assert.equal(error.kind, 'timeout');
    assert.match(
      error.summary,
      /The credential plugin "hang" of user "alice" did not finish within 1 s and was stopped\. It said: Waiting for the browser\.\.\./,
    );
    const pids = [readPid(dir, 'pid')!, readPid(dir, 'child')!];
    await waitFor(
      () => pids.every((pid) => !isAlive(pid)),
      10_000,
      'the plugin and its child to be killed',
    );
  });

  it('an aborted run (the user dismissed the login) kills the plugin', async () => {
    const plugin = writePlugin(dir, 'hang', [
      'sleep 600 & echo $! > "$DIR/child"',
      'echo $$ > "$DIR/pid"',
      'wait',
    ]);
    const controller = new AbortController();
    const run = runExecPlugin({
      config: execConfig(plugin),
      signal: controller.signal,
      timeoutMs: 60_000,
    });
    const pid = await waitFor(() => readPid(dir, 'pid'), 10_000, 'the plugin to start');
    controller.abort();
    const error = await failure(run);
    assert.equal(error.kind, 'cancelled');
    const pids = [pid, readPid(dir, 'child')!];
    await waitFor(
      () => pids.every((each) => !isAlive(each)),
      10_000,
      'the plugin and its child to be killed',
    );
  });

  describe('bad input', () => {
    it('a missing plugin is named with its installHint, escape codes stripped', async () => {
      const error = await failure(
        runExecPlugin({
          config: execConfig('kmw-no-such-plugin', {
            installHint: '\x1b[31mInstall it:\x1b[0m\n  brew install kmw-no-such-plugin',
          }),
          env: { PATH: dir },
        }),
      );
      assert.equal(error.kind, 'authPluginMissing');
      assert.match(error.summary, /"kmw-no-such-plugin", which is not installed or not on PATH/);
      assert.match(error.message, /Install it: brew install kmw-no-such-plugin/);
      assert.ok(!error.message.includes('\x1b'), 'no escape codes');
    });

    it('a non-zero exit shows the stderr tail, never stdout', async () => {
      const plugin = writePlugin(dir, 'fails', [
        `printf '${SECRET}'`,
        'echo "error: the SSO session has expired" >&2',
        'exit 3',
      ]);
      const error = await failure(runExecPlugin({ config: execConfig(plugin) }));
      assert.equal(error.kind, 'authPluginFailed');
      assert.match(
        error.summary,
        /"fails" of user "alice" exited with code 3\. It said: error: the SSO session has expired/,
      );
      assert.doesNotMatch(`${error.message} ${error.detail}`, new RegExp(SECRET));
    });

    const output = (name: string, stdout: string, expected: RegExp): void => {
      it(`${name}`, async () => {
        const plugin = writePlugin(dir, 'prints', `cat <<'EOF'\n${stdout}\nEOF`);
        const error = await failure(runExecPlugin({ config: execConfig(plugin) }));
        assert.equal(error.kind, 'authPluginFailed');
        assert.match(error.summary, expected);
        assert.doesNotMatch(`${error.message} ${error.detail ?? ''}`, new RegExp(SECRET));
      });
    };
    output(
      'malformed JSON',
      `{"kind":"ExecCredential","status":{"token":"${SECRET}"`,
      /printed an unusable credential: its output \(\d+ characters\) is not JSON/,
    );
    output(
      'a different apiVersion',
      `{"kind":"ExecCredential","apiVersion":"${V1BETA1}","status":{"token":"${SECRET}"}}`,
      /the kubeconfig asks for client.authentication.k8s.io\/v1 and the plugin returned "client.authentication.k8s.io\/v1beta1"/,
    );
    output('no status', `{"kind":"ExecCredential","apiVersion":"${V1}"}`, /it has no status/);
    output(
      'neither token nor certificate',
      `{"kind":"ExecCredential","apiVersion":"${V1}","status":{}}`,
      /neither a token nor a client certificate and key/,
    );
    output(
      'a certificate without its key',
      `{"kind":"ExecCredential","apiVersion":"${V1}","status":{"clientCertificateData":"x"}}`,
      /a client certificate or key, not both/,
    );
    output(
      'an expiry that is not RFC 3339',
      `{"kind":"ExecCredential","apiVersion":"${V1}","status":{"token":"${SECRET}","expirationTimestamp":"tomorrow"}}`,
      /expirationTimestamp "tomorrow" is not an RFC 3339 time/,
    );

    it('stdout beyond the bound stops the plugin', async () => {
      const plugin = writePlugin(dir, 'flood', 'while :; do printf "%01024d" 0; done');
      const error = await failure(runExecPlugin({ config: execConfig(plugin) }));
      assert.equal(error.kind, 'authPluginFailed');
      assert.match(error.summary, /printed more than 1024 KiB on stdout/);
    });

    it('reads the expiry, a token and a certificate pair as client-go does', async () => {
      const plugin = writePlugin(
        dir,
        'ok',
        printCredential('abc', V1, '2030-01-02T03:04:05.5+01:00'),
      );
      const credential = await runExecPlugin({ config: execConfig(plugin) });
      assert.equal(credential.token, 'abc');
      assert.equal(credential.expiresAt, Date.UTC(2030, 0, 2, 2, 4, 5, 500));
    });
  });
});
