import * as assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { TOKEN_TTL_ENV } from '../../../scripts/sandbox/signIn';
import { confirmDeviceCode, devicePrompt } from '../../deviceSignIn';
import { ExecCredentialCache } from '../../../src/cluster/execCredentials/credentialCache';
import { SharedExecKubeConfig } from '../../../src/cluster/execCredentials/sharedExecAuth';
import { resolveKubeconfig } from '../../../src/cluster/kubeconfigResolver';
import { getApiText } from '../../../src/cluster/logs/logStream';
import { nodeSource } from '../../../src/cluster/watchSources';
import { SANDBOX_KUBECONFIG, SSO_CONTEXT, waitFor } from '../sandbox';

/**
 * The product's sign-in path against the sandbox's exec-plugin user. The plugin's device-code
 * prompt reaches the sign-in surface, where the test confirms the code as the user's browser
 * would. Expiry is made real with 8-second tokens, and the cache is told its clock is an hour
 * behind (clock skew, a real cause of 401s): it keeps sending the expired token, so each kind of
 * request meets the API server's 401 and must absorb it with one new sign-in.
 */
describe('signing in through an exec credential plugin (sandbox SSO user)', function () {
  this.timeout(120_000);
  const prompts: string[] = [];
  let signIns = 0;

  const cache = new ExecCredentialCache({
    env: { ...process.env, [TOKEN_TTL_ENV]: '8' },
    now: () => Date.now() - 3_600_000,
    surface: {
      show: (signIn) => {
        signIns++;
        signIn.onLine((line) => {
          prompts.push(line);
          const prompt = devicePrompt(line);
          if (prompt) void confirmDeviceCode(prompt);
        });
      },
      terminal: () => undefined,
    },
  });
  const resolved = resolveKubeconfig({ settingPath: SANDBOX_KUBECONFIG });

  function sessionConfig(): SharedExecKubeConfig {
    const merged = resolved.kubeConfig;
    return new SharedExecKubeConfig(
      {
        clusters: merged.getClusters(),
        users: merged.getUsers(),
        contexts: merged.getContexts(),
        currentContext: SSO_CONTEXT,
      },
      cache,
      resolved.execExtensions,
    );
  }

  /** Waits until the API server refuses the token the cache holds now (without running the plugin). */
  async function untilCachedTokenExpired(config: SharedExecKubeConfig): Promise<void> {
    const options: { headers?: Record<string, string> } = {};
    await config.applyToHTTPSOptions(options);
    const token = (options.headers?.Authorization ?? '').replace(/^Bearer /, '');
    const probe = new k8s.KubeConfig();
    probe.loadFromOptions({
      clusters: resolved.kubeConfig.getClusters(),
      users: [{ name: 'probe', token }],
      contexts: [{ name: 'probe', cluster: config.getCurrentCluster()!.name, user: 'probe' }],
      currentContext: 'probe',
    });
    const core = probe.makeApiClient(k8s.CoreV1Api);
    await waitFor(
      () =>
        core.listNamespacedPod({ namespace: 'ml-team' }).then(
          () => false,
          (error: { code?: number }) => error.code === 401,
        ),
      30_000,
      'the API server to refuse the expired token',
    );
  }

  it('shows the device-code prompt once and gives every session the one credential', async () => {
    const lists = await Promise.all(
      [sessionConfig(), sessionConfig()].map((config) =>
        config.makeApiClient(k8s.CoreV1Api).listNamespacedPod({ namespace: 'ml-team' }),
      ),
    );
    assert.ok(lists.every((list) => Array.isArray(list.items)));
    assert.equal(signIns, 1, 'one plugin run for both sessions');
    assert.ok(
      prompts.some((line) => devicePrompt(line)),
      `the prompt reached the surface: ${prompts.join(' | ')}`,
    );
  });

  it('answers a 401 with one new sign-in and the same request succeeds: API calls, watches, raw streams', async () => {
    const config = sessionConfig();

    await untilCachedTokenExpired(config);
    let before = signIns;
    const pods = await config
      .makeApiClient(k8s.CoreV1Api)
      .listNamespacedPod({ namespace: 'ml-team' });
    assert.ok(Array.isArray(pods.items));
    assert.equal(signIns, before + 1, 'an API call');

    await untilCachedTokenExpired(config);
    before = signIns;
    const added: string[] = [];
    let ended: unknown = 'not ended';
    const watch = await nodeSource(config).watch(
      '',
      (type, object) => {
        if (type === 'ADDED') added.push((object as k8s.V1Node).metadata?.name ?? '');
      },
      (error) => (ended = error),
    );
    try {
      await waitFor(
        () => added.length > 0 || ended !== 'not ended',
        30_000,
        'the watch to deliver the nodes',
      );
      assert.equal(ended, 'not ended', `the watch ended: ${String(ended)}`);
      assert.equal(signIns, before + 1, 'a watch');
    } finally {
      watch.abort();
    }

    await untilCachedTokenExpired(config);
    before = signIns;
    const api = JSON.parse(await getApiText(config, '/api', 'read the API versions')) as {
      kind?: string;
    };
    assert.equal(api.kind, 'APIVersions');
    assert.equal(signIns, before + 1, 'a raw stream (logs, proxies)');
  });
});
