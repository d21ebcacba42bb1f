// The kinds of users real GPU clusters have, inside the real extension host against the sandbox: a
// user who signs in through an exec credential plugin's device-code prompt, and a user who may act
// in one namespace only.
import * as assert from 'assert';
import * as vscode from 'vscode';
import type { Services } from '../../src/common/services';
import { DevPodCommands } from '../../src/devPods/commands';
import { DevPodFileDiagnostics } from '../../src/devPods/devPodFileCommand';
import { DevPodsTreeProvider } from '../../src/devPods/devPodsTree';
import { deleteDevPod } from '../../src/devPods/lifecycle';
import type { FlowPrompter } from '../../src/devPods/prompter';
import { confirmDeviceCode, devicePrompt } from '../deviceSignIn';
import { getApi, waitFor } from './helpers';

const ADMIN_CONTEXT = 'kube-ml-sandbox';
const SSO_CONTEXT = 'kube-ml-sandbox-sso';
const NAMESPACE_ONLY_CONTEXT = 'kube-ml-sandbox-ns-only';
const NAMESPACE_ONLY_NAMESPACE = 'ml-solo';

describe('identities: exec-plugin sign-in and a namespace-only user', () => {
  let services: Services;
  const disposables: vscode.Disposable[] = [];

  before(async () => {
    services = (await getApi()).services;
  });
  after(async function () {
    this.timeout(30_000);
    for (const disposable of disposables.splice(0)) disposable.dispose();
    await services.connection.switchContext(ADMIN_CONTEXT);
  });

  it("signs in through the plugin's device-code prompt once, and the session fills as the signed-in user", async function () {
    this.timeout(60_000);
    const codes: string[] = [];
    // The user reads the code in the notification and confirms it in the browser.
    disposables.push(
      services.onDidStartSignIn((signIn) => {
        signIn.onLine((line) => {
          const prompt = devicePrompt(line);
          if (!prompt) return;
          codes.push(prompt.userCode);
          void confirmDeviceCode(prompt);
        });
      }),
    );
    await services.connection.switchContext(SSO_CONTEXT);
    const session = await waitFor(
      () => services.connection.session?.contextName === SSO_CONTEXT && services.connection.session,
      15_000,
      'the SSO session',
    );
    await session.pods.ready;
    await session.nodes.ready;
    assert.ok(session.nodes.list().length > 0, 'the signed-in user reads nodes like the developer');
    assert.strictEqual(
      codes.length,
      1,
      `one sign-in for the session's lists and watches: ${codes.join(', ')}`,
    );
  });

  it('a namespace-only user creates a dev pod: the GPU step says capacity is hidden, nothing waits on the node list', async function () {
    this.timeout(90_000);
    await services.connection.switchContext(NAMESPACE_ONLY_CONTEXT);
    const session = await waitFor(
      () =>
        services.connection.session?.contextName === NAMESPACE_ONLY_CONTEXT &&
        services.connection.session,
      15_000,
      'the namespace-only session',
    );
    assert.strictEqual(session.namespace, NAMESPACE_ONLY_NAMESPACE);
    const placeholders: string[] = [];
    const answers: string[] = [];
    const prompter: FlowPrompter = {
      input: (question) => {
        answers.push(question.value);
        return Promise.resolve(question.value);
      },
      pick: (question) => {
        placeholders.push(question.placeholder);
        return Promise.resolve(question.active);
      },
    };
    const tree = new DevPodsTreeProvider(services);
    const diagnostics = new DevPodFileDiagnostics(services);
    disposables.push(tree, diagnostics);
    const commands = new DevPodCommands(services, tree, diagnostics, prompter);
    const result = await commands.createInteractive(undefined, prompter);
    try {
      assert.ok(result, 'the flow was not cancelled');
      assert.strictEqual(result.progress.stage, 'running');
      assert.match(
        placeholders[0] ?? '',
        /^Cluster-wide GPU capacity is hidden from you \(you may not list nodes\)/,
      );
    } finally {
      // The first question is the dev pod's name.
      const name = answers[0];
      if (name)
        await deleteDevPod(session.kubeConfig, NAMESPACE_ONLY_NAMESPACE, name, {
          keepVolume: false,
        });
    }
  });
});
