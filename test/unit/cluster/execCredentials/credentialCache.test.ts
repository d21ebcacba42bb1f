import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isKubeMlError } from '../../../../src/cluster/errors';
import { ExecCredentialCache } from '../../../../src/cluster/execCredentials/credentialCache';
import { waitFor } from '../../../waitFor';
import {
  COUNT_RUN,
  execConfig,
  isAlive,
  pluginDir,
  printCredential,
  readPid,
  runsOf,
  writePlugin,
} from './plugins';

const EXPIRY = '2030-01-01T00:00:00Z';
const EXPIRES_AT = Date.parse(EXPIRY);

describe('exec credential cache', () => {
  let dir: string;
  beforeEach(() => {
    dir = pluginDir();
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('runs the plugin once for concurrent callers, and every caller sees the prompt', async () => {
    const plugin = writePlugin(dir, 'login', [
      COUNT_RUN,
      'echo "Open https://device.sso.us-east-1.amazonaws.com/ and enter ABCD-EFGH" >&2',
      'while [ ! -f "$DIR/go" ]; do sleep 0.05; done',
      printCredential('token-$RUN', undefined, EXPIRY),
    ]);
    const cache = new ExecCredentialCache({ now: () => EXPIRES_AT - 60_000 });
    const request = { config: execConfig(plugin) };
    const prompts = [0, 1, 2, 3, 4].map(() => [] as string[]);
    const callers = prompts.map((lines) =>
      cache.get(request, { onStderrLine: (line) => lines.push(line) }),
    );
    await waitFor(
      () => prompts.every((lines) => lines.length === 1),
      20_000,
      'every caller to see the prompt',
    );
    fs.writeFileSync(path.join(dir, 'go'), '');
    const tokens = (await Promise.all(callers)).map((credential) => credential.token);
    assert.deepEqual(tokens, ['token-1', 'token-1', 'token-1', 'token-1', 'token-1']);
    assert.equal(runsOf(dir), 1);
    const late: string[] = [];
    assert.equal(
      (await cache.get(request, { onStderrLine: (line) => late.push(line) })).token,
      'token-1',
      'a later caller gets the cached credential',
    );
    assert.equal(runsOf(dir), 1);
    assert.deepEqual(late, [], 'no run, no prompt');
  });

  it('keeps a credential until shortly before its expirationTimestamp, shared across requests of the same user entry', async () => {
    const plugin = writePlugin(dir, 'token', [
      COUNT_RUN,
      printCredential('token-$RUN', undefined, EXPIRY),
    ]);
    let now = EXPIRES_AT - 60_000;
    const cache = new ExecCredentialCache({ now: () => now, expirySkewMs: 10_000 });
    assert.equal((await cache.get({ config: execConfig(plugin) })).token, 'token-1');
    now = EXPIRES_AT - 10_001;
    assert.equal(
      (await cache.get({ config: execConfig(plugin) })).token,
      'token-1',
      'an equal config (a new session) shares the credential',
    );
    now = EXPIRES_AT - 10_000;
    assert.equal(
      (await cache.get({ config: execConfig(plugin) })).token,
      'token-2',
      'within the skew: renewed',
    );
    assert.equal(runsOf(dir), 2);
  });

  it('keys on the cluster only when the plugin is told about it, as client-go does', async () => {
    const plugin = writePlugin(dir, 'token', [COUNT_RUN, printCredential('token-$RUN')]);
    const cache = new ExecCredentialCache();
    const one = { server: 'https://127.0.0.1:1', insecureSkipTlsVerify: false };
    const two = { server: 'https://127.0.0.1:2', insecureSkipTlsVerify: false };
    await cache.get({ config: execConfig(plugin), cluster: one });
    await cache.get({ config: execConfig(plugin), cluster: two });
    assert.equal(runsOf(dir), 1, 'the plugin cannot tell the clusters apart: one credential');
    await cache.get({ config: execConfig(plugin, { provideClusterInfo: true }), cluster: one });
    await cache.get({ config: execConfig(plugin, { provideClusterInfo: true }), cluster: two });
    assert.equal(runsOf(dir), 3);
  });

  it('invalidate after a 401 refreshes once: a stale credential reported again runs nothing', async () => {
    const plugin = writePlugin(dir, 'token', [COUNT_RUN, printCredential('token-$RUN')]);
    const cache = new ExecCredentialCache();
    const request = { config: execConfig(plugin) };
    const first = await cache.get(request);
    assert.equal(first.token, 'token-1', 'no expirationTimestamp: kept until a 401');
    assert.equal((await cache.get(request)).token, 'token-1');
    cache.invalidate(request, first);
    const second = await cache.get(request);
    assert.equal(second.token, 'token-2');
    cache.invalidate(request, first);
    assert.equal(
      (await cache.get(request)).token,
      'token-2',
      "another caller's 401 on the old token does not run the plugin again",
    );
    assert.equal(runsOf(dir), 2);
  });

  it('does not keep a failure: the next call runs the plugin again', async () => {
    const plugin = writePlugin(dir, 'flaky', [
      COUNT_RUN,
      'if [ "$RUN" = 1 ]; then echo "network is down" >&2; exit 1; fi',
      printCredential('token-$RUN'),
    ]);
    const cache = new ExecCredentialCache();
    await assert.rejects(
      cache.get({ config: execConfig(plugin) }),
      /exited with code 1\. It said: network is down/,
    );
    assert.equal((await cache.get({ config: execConfig(plugin) })).token, 'token-2');
  });

  it('one caller giving up does not stop the run the others wait for', async () => {
    const plugin = writePlugin(dir, 'login', [
      COUNT_RUN,
      'while [ ! -f "$DIR/go" ]; do sleep 0.05; done',
      printCredential('t'),
    ]);
    const cache = new ExecCredentialCache();
    const request = { config: execConfig(plugin) };
    const leaving = new AbortController();
    const leavingCall = cache.get(request, { signal: leaving.signal });
    const stayingCall = cache.get(request);
    await waitFor(() => runsOf(dir) === 1, 20_000, 'the plugin to start');
    leaving.abort();
    await assert.rejects(
      leavingCall,
      (error) => isKubeMlError(error) && error.kind === 'cancelled',
    );
    fs.writeFileSync(path.join(dir, 'go'), '');
    assert.equal((await stayingCall).token, 't');
    assert.equal(runsOf(dir), 1);
  });

  it('kills the plugin when the last waiting caller gives up (a dismissed login)', async () => {
    const plugin = writePlugin(dir, 'login', [
      'echo $$ > "$DIR/pid"',
      'while [ ! -f "$DIR/go" ]; do sleep 0.05; done',
      printCredential('t'),
    ]);
    const cache = new ExecCredentialCache();
    const request = { config: execConfig(plugin) };
    const [first, second] = [new AbortController(), new AbortController()];
    const calls = [
      cache.get(request, { signal: first.signal }),
      cache.get(request, { signal: second.signal }),
    ];
    const pid = await waitFor(() => readPid(dir, 'pid'), 20_000, 'the plugin to start');
    first.abort();
    second.abort();
    for (const call of calls)
      await assert.rejects(call, (error) => isKubeMlError(error) && error.kind === 'cancelled');
    await waitFor(() => !isAlive(pid), 10_000, 'the plugin to be killed');
  });
});
