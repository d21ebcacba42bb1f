import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as k8s from '@kubernetes/client-node';
import { issueToken } from '../../../scripts/sandbox/agent/signIn/tokens';
import { restart, restartAgent } from '../../../scripts/sandbox/cluster';
import {
  API_SERVER_TOKEN_CACHE_MS,
  LOGIN_PLUGIN,
  LOGIN_URL_ENV,
  SSO_GROUP,
  SSO_USER,
  signInUrl,
} from '../../../scripts/sandbox/signIn';
import {
  confirmDeviceCode,
  followSignIn,
  runLoginPlugin,
  signInWithPlugin,
  type SignInRun,
} from '../../deviceSignIn';
import {
  NAMESPACE_ONLY_CONTEXT,
  NAMESPACE_ONLY_NAMESPACE,
  SANDBOX_KUBECONFIG,
  SSO_CONTEXT,
  sandboxKubeConfig,
  waitFor,
  waitForPodPhase,
} from '../sandbox';
import { restrictedPod } from './testPods';

/** The sandbox's cluster with nothing but a bearer token, as a client holding the plugin's credential. */
function bearerKubeConfig(token: string): k8s.KubeConfig {
  const admin = sandboxKubeConfig('admin');
  const kubeConfig = new k8s.KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: admin.clusters,
    users: [{ name: 'bearer', token }],
    contexts: [{ name: 'bearer', cluster: admin.getCurrentCluster()?.name ?? '', user: 'bearer' }],
    currentContext: 'bearer',
  });
  return kubeConfig;
}

const listTeamPods = (token: string): Promise<k8s.V1PodList> =>
  bearerKubeConfig(token).makeApiClient(k8s.CoreV1Api).listNamespacedPod({ namespace: 'ml-team' });

const withCode =
  (code: number) =>
  (error: { code?: number }): boolean => {
    assert.equal(error.code, code);
    return true;
  };

describe('sandbox: the signed-in user (exec credential plugin with a device code)', function () {
  this.timeout(120000);
  const running: SignInRun[] = [];
  const follow = (run: SignInRun): SignInRun => {
    running.push(run);
    return run;
  };
  afterEach(() => running.splice(0).forEach((run) => run.stop()));

  it('the plugin prompts on stderr, waits for the code, then prints a 2-minute ExecCredential whose token lists pods in ml-team', async () => {
    const run = follow(
      runLoginPlugin({
        KUBERNETES_EXEC_INFO: JSON.stringify({
          apiVersion: 'client.authentication.k8s.io/v1',
          kind: 'ExecCredential',
          spec: { interactive: false },
        }),
      }),
    );
    let exited = false;
    void run.exit.then(() => {
      exited = true;
    });
    const prompt = await run.prompt;
    assert.equal(prompt.url, `${signInUrl()}/device`);
    const page = await fetch(prompt.url);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<form method="post" action="\/device">/);
    await assert.rejects(
      confirmDeviceCode({
        ...prompt,
        userCode: prompt.userCode === 'BCDF-GHJK' ? 'BCDF-GHJL' : 'BCDF-GHJK',
      }),
      /refused code/,
    );
    assert.equal(exited, false, 'the plugin must wait for the confirmation');
    const confirmedAt = Date.now();
    await confirmDeviceCode(prompt);
    const { code, stdout, stderr } = await run.exit;
    const exitedAt = Date.now();
    assert.equal(code, 0, stderr);
    const credential = JSON.parse(stdout) as {
      apiVersion: string;
      kind: string;
      status: { token: string; expirationTimestamp: string };
    };
    assert.equal(credential.apiVersion, 'client.authentication.k8s.io/v1');
    assert.equal(credential.kind, 'ExecCredential');
    const expiresAt = Date.parse(credential.status.expirationTimestamp);
    assert.ok(
      expiresAt > confirmedAt + 100_000 && expiresAt <= exitedAt + 120_000,
      `expires ${credential.status.expirationTimestamp}, expected 2 minutes after ${new Date(confirmedAt).toISOString()}`,
    );
    assert.ok(!stderr.includes(credential.status.token), 'the token must not reach stderr');

    await listTeamPods(credential.status.token);
    const review = await bearerKubeConfig(credential.status.token)
      .makeApiClient(k8s.AuthenticationV1Api)
      .createSelfSubjectReview({
        body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
      });
    assert.equal(review.status?.userInfo?.username, SSO_USER);
    assert.ok(
      review.status?.userInfo?.groups?.includes(SSO_GROUP),
      String(review.status?.userInfo?.groups),
    );
  });

  it('the plugin answers in the apiVersion KUBERNETES_EXEC_INFO asks for, and refuses one it does not speak', async () => {
    const run = follow(
      runLoginPlugin({
        KUBERNETES_EXEC_INFO: JSON.stringify({
          apiVersion: 'client.authentication.k8s.io/v1beta1',
          kind: 'ExecCredential',
          spec: {},
        }),
      }),
    );
    await confirmDeviceCode(await run.prompt);
    const answered = await run.exit;
    assert.equal(answered.code, 0, answered.stderr);
    assert.equal(
      (JSON.parse(answered.stdout) as { apiVersion: string }).apiVersion,
      'client.authentication.k8s.io/v1beta1',
    );

    const refused = await runLoginPlugin({
      KUBERNETES_EXEC_INFO: JSON.stringify({
        apiVersion: 'client.authentication.k8s.io/v2',
        kind: 'ExecCredential',
      }),
    }).exit;
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr,
      /KUBERNETES_EXEC_INFO asks for client\.authentication\.k8s\.io\/v2; this plugin speaks client\.authentication\.k8s\.io\/v1/,
    );
    assert.equal(refused.stdout, '');
  });

  it('the plugin fails with a clear message when the sign-in server does not answer', async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as net.AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const failed = await runLoginPlugin({ [LOGIN_URL_ENV]: `http://127.0.0.1:${port}` }).exit;
    assert.equal(failed.code, 1);
    assert.equal(failed.stdout, '');
    assert.match(
      failed.stderr,
      new RegExp(
        `cannot reach the sandbox sign-in at http://127\\.0\\.0\\.1:${port}/device/authorize \\(ECONNREFUSED\\); is the sandbox running\\? Start it with \`npm run sandbox -- up\``,
      ),
    );
  });

  it('the API server answers 401 to an expired token, an unknown one and one signed by another key', async () => {
    const ttlSeconds = 5;
    const credential = await signInWithPlugin(ttlSeconds);
    // The sign-in server set the expiry before the plugin printed the credential.
    const expiredBy = Date.now() + ttlSeconds * 1000;
    await listTeamPods(credential.status.token);
    const forgottenBy = Date.now() + API_SERVER_TOKEN_CACHE_MS;
    assert.ok(Date.parse(credential.status.expirationTimestamp) < expiredBy);
    const refusedBy = Math.max(expiredBy, forgottenBy);
    await waitFor(
      () => Date.now() > refusedBy,
      refusedBy - Date.now() + 1000,
      "the short token to expire and leave the API server's cache",
    );
    await assert.rejects(listTeamPods(credential.status.token), withCode(401));

    await assert.rejects(listTeamPods('not-a-token-anyone-issued'), withCode(401));
    const forged = issueToken(crypto.randomBytes(32), {
      user: SSO_USER,
      groups: [SSO_GROUP],
      expiresAt: Date.now() + 60_000,
    });
    await assert.rejects(listTeamPods(forged), withCode(401));
  });

  it('a token keeps working after kube-apiserver and the agent (which serves the webhook) restart', async () => {
    const credential = await signInWithPlugin();
    await restart('kube-apiserver');
    await listTeamPods(credential.status.token);
    await restartAgent();
    await listTeamPods(credential.status.token);
  });

  it("kubectl signs in through the sandbox kubeconfig's SSO context", async () => {
    const kubectl = follow(
      followSignIn(
        spawn(
          'kubectl',
          [
            '--kubeconfig',
            SANDBOX_KUBECONFIG,
            '--context',
            SSO_CONTEXT,
            'auth',
            'whoami',
            '-o',
            'jsonpath={.status.userInfo.username}',
          ],
          { stdio: ['ignore', 'pipe', 'pipe'] },
        ),
      ),
    );
    await confirmDeviceCode(await kubectl.prompt);
    const { code, stdout, stderr } = await kubectl.exit;
    assert.equal(code, 0, stderr);
    assert.equal(stdout, SSO_USER);
  });

  it("the SSO context runs the repository's plugin with exec v1, interactiveMode Never and the sign-in URL", () => {
    const kubeConfig = sandboxKubeConfig('admin');
    const context = kubeConfig.getContextObject(SSO_CONTEXT);
    const exec = kubeConfig.getUser(context?.user ?? '')?.exec as
      | {
          apiVersion?: string;
          command?: string;
          interactiveMode?: string;
          env?: { name: string; value: string }[];
        }
      | undefined;
    assert.equal(context?.namespace, 'ml-team');
    assert.equal(exec?.apiVersion, 'client.authentication.k8s.io/v1');
    assert.equal(exec?.command, LOGIN_PLUGIN);
    assert.equal(exec?.interactiveMode, 'Never');
    assert.deepEqual(exec?.env, [{ name: 'KMW_SANDBOX_LOGIN_URL', value: signInUrl() }]);
    assert.ok(fs.statSync(LOGIN_PLUGIN).mode & 0o111, 'the plugin must be executable');
  });
});

describe('sandbox: the namespace-only user', function () {
  const solo = sandboxKubeConfig('namespace-only');
  const core = solo.makeApiClient(k8s.CoreV1Api);
  const created: string[] = [];

  after(async () => {
    for (const name of created)
      await core
        .deleteNamespacedPod({ namespace: NAMESPACE_ONLY_NAMESPACE, name, gracePeriodSeconds: 0 })
        .catch(() => undefined);
  });

  it(`has its own context, in ${NAMESPACE_ONLY_NAMESPACE}`, () => {
    assert.equal(
      solo.getContextObject(NAMESPACE_ONLY_CONTEXT)?.namespace,
      NAMESPACE_ONLY_NAMESPACE,
    );
  });

  it('creates a pod in its namespace, which runs, and lists and deletes it', async () => {
    const name = `solo-${Date.now().toString(36)}`;
    created.push(name);
    await core.createNamespacedPod({
      namespace: NAMESPACE_ONLY_NAMESPACE,
      body: restrictedPod(name),
    });
    await waitForPodPhase(NAMESPACE_ONLY_NAMESPACE, name);
    const pods = await core.listNamespacedPod({ namespace: NAMESPACE_ONLY_NAMESPACE });
    assert.ok(pods.items.some((pod) => pod.metadata?.name === name));
    await core.deleteNamespacedPod({
      namespace: NAMESPACE_ONLY_NAMESPACE,
      name,
      gracePeriodSeconds: 0,
    });
  });

  it('its namespace enforces Pod Security restricted', async () => {
    await assert.rejects(
      core.createNamespacedPod({
        namespace: NAMESPACE_ONLY_NAMESPACE,
        body: {
          metadata: { name: `privileged-${Date.now().toString(36)}` },
          spec: {
            containers: [
              { name: 'main', image: 'python:3.11', securityContext: { privileged: true } },
            ],
          },
        },
      }),
      (error: { code?: number; body?: string }) => {
        assert.equal(error.code, 403);
        assert.match(String(error.body), /violates PodSecurity \W*restricted:latest/);
        return true;
      },
    );
  });

  it('gets 403 for nodes, the namespace list, storage classes, and pods outside its namespace', async () => {
    const storage = solo.makeApiClient(k8s.StorageV1Api);
    await assert.rejects(core.listNode(), withCode(403));
    await assert.rejects(core.readNode({ name: 'cpu-0' }), withCode(403));
    await assert.rejects(core.listNamespace(), withCode(403));
    await assert.rejects(storage.listStorageClass(), withCode(403));
    await assert.rejects(core.listPodForAllNamespaces(), withCode(403));
    await assert.rejects(core.listNamespacedPod({ namespace: 'ml-team' }), withCode(403));
    // As on any cluster: a role bound in a namespace may read that one namespace object.
    assert.equal(
      (await core.readNamespace({ name: NAMESPACE_ONLY_NAMESPACE })).metadata?.name,
      NAMESPACE_ONLY_NAMESPACE,
    );
  });
});
