// Dev pods inside the real extension host, against the sandbox: the guided flow answered with
// the defaults (three Enter presses), the Dev Pods view, Stop/Resume through the registered
// commands, .kubeml/devpod.yaml diagnostics, and the in-extension idle shutdown.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import * as k8s from '@kubernetes/client-node';
import type { Services } from '../../src/common/services';
import { DevPodCommands } from '../../src/devPods/commands';
import { DevPodFileDiagnostics } from '../../src/devPods/devPodFileCommand';
import { DevPodsTreeProvider, type DevPodNode } from '../../src/devPods/devPodsTree';
import { IdleChecker } from '../../src/devPods/idleChecker';
import { deleteDevPod } from '../../src/devPods/lifecycle';
import type { FlowPrompter } from '../../src/devPods/prompter';
import {
  adminKubeConfig,
  createTestNamespace,
  getApi,
  switchSessionNamespace,
  waitFor,
} from './helpers';

/** Answers every question with its default, like pressing Enter; counts the presses. */
function enterPresser(): FlowPrompter & { presses: string[] } {
  const presses: string[] = [];
  return {
    presses,
    input: (question) => {
      presses.push(question.title);
      return Promise.resolve(question.value);
    },
    pick: (question) => {
      presses.push(question.title);
      return Promise.resolve(question.active);
    },
  };
}

interface UserError {
  kind: string;
  summary: string;
}

describe('devPods', () => {
  const namespace = `devpods-vscode-${Date.now().toString(36)}`;
  const kubeConfig = adminKubeConfig();
  const core = kubeConfig.makeApiClient(k8s.CoreV1Api);
  let services: Services;
  let originalNamespace: string | undefined;
  let tree: DevPodsTreeProvider;
  let diagnostics: DevPodFileDiagnostics;
  let commands: DevPodCommands;
  let scratch: string;
  let created = '';

  const treeNode = (name: string) =>
    tree
      .getChildren()
      .find((node): node is DevPodNode => node.type === 'devPod' && node.name === name);

  before(async function () {
    this.timeout(60_000);
    services = (await getApi()).services;
    await createTestNamespace(core, namespace);
    originalNamespace = await switchSessionNamespace(services, namespace);
    tree = new DevPodsTreeProvider(services);
    diagnostics = new DevPodFileDiagnostics(services);
    commands = new DevPodCommands(services, tree, diagnostics, enterPresser());
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'kmw-devpods-'));
  });

  after(async function () {
    this.timeout(60_000);
    if (created)
      await deleteDevPod(kubeConfig, namespace, created, { keepVolume: false }).catch(
        () => undefined,
      );
    tree?.dispose();
    diagnostics?.dispose();
    if (services.connection.session?.contextName !== 'kube-ml-sandbox')
      await services.connection.switchContext('kube-ml-sandbox');
    if (originalNamespace) await services.connection.switchNamespace(originalNamespace);
    await core.deleteNamespace({ name: namespace, gracePeriodSeconds: 0 }).catch(() => undefined);
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  it('creates a GPU dev pod through the guided flow with three Enter presses', async function () {
    this.timeout(90_000);
    const prompter = enterPresser();
    const result = await commands.createInteractive(undefined, prompter);
    assert.ok(result, 'the flow was not cancelled');
    assert.deepStrictEqual(prompter.presses, [
      'Create Dev Pod (1/3): name',
      'Create Dev Pod (2/3): GPUs',
      'Create Dev Pod (3/3): image',
    ]);
    assert.strictEqual(result.progress.stage, 'running');
    const pods = await core.listNamespacedPod({
      namespace,
      labelSelector: 'app.kubernetes.io/managed-by=kube-ml-workbench',
    });
    assert.strictEqual(pods.items.length, 1);
    const pod = pods.items[0];
    created = pod.metadata?.labels?.['kube-ml.dev/devpod'] ?? '';
    assert.strictEqual(pod.spec?.containers[0].resources?.limits?.['nvidia.com/gpu'], '1');
    assert.strictEqual(
      pod.spec?.containers[0].image,
      'pytorch/pytorch:2.4.1-cuda12.4-cudnn9-runtime',
    );
    assert.strictEqual(pod.spec?.containers[0].resources?.requests?.cpu, '8');
    const node = await core.readNode({ name: pod.spec?.nodeName ?? '' });
    assert.strictEqual(
      node.metadata?.labels?.['nvidia.com/gpu.product'],
      pod.spec?.nodeSelector?.['nvidia.com/gpu.product'],
    );
    assert.strictEqual(
      pod.metadata?.annotations?.['kube-ml.dev/idle-minutes'],
      String(services.settings.devPodIdleMinutes()),
    );
  });

  it('shows it in the Dev Pods view with phase, node, GPUs and idle time, carrying its workload', async function () {
    this.timeout(30_000);
    const node = await waitFor(
      () => {
        const candidate = treeNode(created);
        return candidate?.row.state === 'running' ? candidate : undefined;
      },
      20_000,
      'the running dev pod in the view',
    );
    const item = tree.getTreeItem(node);
    assert.strictEqual(item.contextValue, 'devPod.running');
    assert.match(
      String(item.description),
      /^Running · gpu-\S+ · 1× \S+ · .* · idle < 1 min \(stops in /,
    );
    assert.deepStrictEqual(node.workload, {
      kind: 'DevPod',
      namespace,
      name: created,
      podSelector: `kube-ml.dev/devpod=${created}`,
      container: 'workspace',
    });
  });

  it('Stop and Resume through the registered commands keep the volume and come back running', async function () {
    this.timeout(90_000);
    await vscode.commands.executeCommand('kubeMl.stopDevPod', created);
    await waitFor(
      () => treeNode(created)?.row.state === 'stopped',
      30_000,
      'the view to show it stopped',
    );
    assert.strictEqual(
      tree.getTreeItem(treeNode(created) as DevPodNode).contextValue,
      'devPod.stopped',
    );
    const claim = await core.readNamespacedPersistentVolumeClaim({
      namespace,
      name: `${created}-workspace`,
    });
    assert.strictEqual(
      claim.metadata?.annotations?.['kube-ml.dev/stopped-reason'],
      'stopped by user',
    );
    await vscode.commands.executeCommand('kubeMl.resumeDevPod', created);
    await waitFor(
      () => treeNode(created)?.row.state === 'running',
      30_000,
      'the view to show it running again',
    );
  });

  it('underlines .kubeml/devpod.yaml problems at their line and refuses to create from it', async function () {
    const folder = path.join(scratch, '.kubeml');
    fs.mkdirSync(folder, { recursive: true });
    const file = path.join(folder, 'devpod.yaml');
    fs.writeFileSync(file, 'name: from-file\ngpu:\n  count: 40\nimage: pytorch\n');
    const uri = vscode.Uri.file(file);
    const error = await commands.createFromFile(uri).then(
      () => undefined,
      (failure: UserError) => failure,
    );
    assert.ok(error, 'expected a rejection');
    assert.strictEqual(error.kind, 'invalidInput');
    assert.match(
      error.summary,
      /^\.kubeml\/devpod\.yaml line 3: GPU count must be a whole number from 0 to 16/,
    );
    // The extension's own diagnostics and this test's instance both publish the same problem.
    const problems = vscode.languages
      .getDiagnostics(uri)
      .filter((diagnostic) => diagnostic.source === 'Kube ML');
    assert.ok(problems.length >= 1);
    assert.deepStrictEqual(
      [...new Set(problems.map((problem) => `${problem.range.start.line}: ${problem.message}`))],
      ['2: GPU count must be a whole number from 0 to 16 (0 for a CPU-only dev pod); got 40.'],
    );
    const pods = await core.listNamespacedPod({
      namespace,
      labelSelector: 'kube-ml.dev/devpod=from-file',
    });
    assert.strictEqual(pods.items.length, 0);
  });

  it('idle shutdown fires in the extension: a dev pod past its idle time is stopped, volume kept', async function () {
    this.timeout(60_000);
    const checker = new IdleChecker(services);
    try {
      await waitFor(
        () =>
          services.connection.session?.pods.get(namespace, created)?.status?.phase === 'Running',
        10_000,
        'the session cache to see the pod running',
      );
      checker.check(Date.now() + 3 * 60 * 60_000);
      await waitFor(
        () => treeNode(created)?.row.state === 'stopped',
        30_000,
        'the idle dev pod to be stopped',
      );
      const claim = await core.readNamespacedPersistentVolumeClaim({
        namespace,
        name: `${created}-workspace`,
      });
      assert.match(claim.metadata?.annotations?.['kube-ml.dev/stopped-reason'] ?? '', /^idle for /);
    } finally {
      checker.dispose();
    }
  });

  it('deleting with the volume kept removes the dev pod from the view but keeps the claim', async function () {
    this.timeout(30_000);
    await deleteDevPod(kubeConfig, namespace, created, { keepVolume: true });
    await waitFor(
      () => treeNode(created) === undefined,
      20_000,
      'the deleted dev pod to leave the view',
    );
    const claim = await core.readNamespacedPersistentVolumeClaim({
      namespace,
      name: `${created}-workspace`,
    });
    assert.strictEqual(claim.metadata?.annotations?.['kube-ml.dev/kept-from-devpod'], created);
  });

  it('the RBAC-limited developer identity is told why before any question is asked', async function () {
    this.timeout(30_000);
    await services.connection.switchContext('kube-ml-sandbox-developer');
    await waitFor(
      () => services.connection.session?.contextName === 'kube-ml-sandbox-developer',
      15_000,
      'the developer session',
    );
    await services.connection.switchNamespace('ml-restricted');
    await waitFor(
      () => services.connection.session?.namespace === 'ml-restricted',
      15_000,
      'the developer session in ml-restricted',
    );
    const prompter = enterPresser();
    const error = await commands.createInteractive(undefined, prompter).then(
      () => undefined,
      (failure: UserError) => failure,
    );
    assert.ok(error, 'expected a rejection');
    assert.strictEqual(error.kind, 'forbidden');
    assert.strictEqual(
      error.summary,
      'You may not create dev pods in namespace ml-restricted: RBAC does not allow create pods, patch pods, create persistentvolumeclaims, patch persistentvolumeclaims.',
    );
    assert.deepStrictEqual(prompter.presses, []);
  });
});
