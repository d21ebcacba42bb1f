// Model serving inside the real extension host, against the sandbox: Deploy Model run through the
// registered command with its inputs answered (a local model folder uploaded into a model volume),
// the Endpoints view listing it once the rollout is Available, the Playground panel opening on it,
// then Scale and Delete (keeping the model volume) through their commands.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import * as k8s from '@kubernetes/client-node';
import type { Services } from '../../src/common/services';
import type { DeployRequest, DeployResult } from '../../src/serving/deployService';
import {
  adminKubeConfig,
  createTestNamespace,
  getApi,
  switchSessionNamespace,
  waitFor,
} from './helpers';

describe('serving', function () {
  this.timeout(120_000);
  const namespace = `serving-vscode-${Date.now().toString(36)}`;
  const kubeConfig = adminKubeConfig();
  const core = kubeConfig.makeApiClient(k8s.CoreV1Api);
  const apps = kubeConfig.makeApiClient(k8s.AppsV1Api);
  let services: Services;
  let originalNamespace: string | undefined;
  let folder: string;

  before(async () => {
    services = (await getApi()).services;
    await createTestNamespace(core, namespace);
    originalNamespace = await switchSessionNamespace(services, namespace);
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'kmw-model-'));
    fs.writeFileSync(path.join(folder, 'config.json'), '{"model_type":"llama"}');
    fs.writeFileSync(path.join(folder, 'model.safetensors'), Buffer.alloc(512 * 1024, 1));
  });

  after(async () => {
    for (const tab of vscode.window.tabGroups.all.flatMap((group) => group.tabs)) {
      if (
        tab.input instanceof vscode.TabInputWebview &&
        tab.input.viewType.includes('kubeMl.playground')
      )
        await vscode.window.tabGroups.close(tab);
    }
    if (originalNamespace) await services.connection.switchNamespace(originalNamespace);
    await core.deleteNamespace({ name: namespace, gracePeriodSeconds: 0 }).catch(() => undefined);
    fs.rmSync(folder, { recursive: true, force: true });
  });

  it('deploys a local model folder through kubeMl.deployModel and the Endpoints view lists it Available', async () => {
    const request: DeployRequest = {
      spec: {
        name: 'vsc-llm',
        runtime: 'vllm',
        gpus: 1,
        cpu: '1',
        memory: '2Gi',
        restrictedPodSecurity: true,
        scaling: { minReplicas: 1, maxReplicas: 1, targetCpuUtilization: 70 },
        exposure: { kind: 'cluster' },
      },
      source: { kind: 'local', path: folder },
    };
    const result = await vscode.commands.executeCommand<
      (DeployResult & { listed: boolean }) | undefined
    >('kubeMl.deployModel', request);
    assert.ok(
      result,
      'the command reported a deployed endpoint (see the Kube ML output otherwise)',
    );
    assert.equal(result.rollout?.phase, 'available');
    assert.equal(result.listed, true, 'the Endpoints view lists the endpoint');
    assert.deepEqual(
      { ...result.spec.model },
      { claimName: 'vsc-llm-model', path: 'models/vsc-llm', readOnly: true },
    );
    const deployment = await apps.readNamespacedDeployment({ namespace, name: 'vsc-llm' });
    assert.equal(
      deployment.spec?.template.spec?.volumes?.[0].persistentVolumeClaim?.claimName,
      'vsc-llm-model',
    );
  });

  it('opens the Playground panel on the endpoint', async () => {
    const opened = await vscode.commands.executeCommand<boolean | undefined>(
      'kubeMl.openPlayground',
      `${namespace}/vsc-llm`,
    );
    assert.equal(opened, true);
    await waitFor(
      () =>
        vscode.window.tabGroups.all
          .flatMap((group) => group.tabs)
          .find(
            (tab) =>
              tab.input instanceof vscode.TabInputWebview &&
              tab.input.viewType.includes('kubeMl.playground'),
          ),
      10_000,
      'the playground tab',
    );
  });

  it('scales through the command and deletes keeping the model volume', async () => {
    // The second argument answers the replicas prompt ("N" or "MIN-MAX"), as typing it would.
    const scaling = vscode.commands.executeCommand<{ minReplicas: number } | undefined>(
      'kubeMl.scaleEndpoint',
      `${namespace}/vsc-llm`,
      '2',
    );
    const scaled = await scaling;
    assert.equal(scaled?.minReplicas, 2);
    await waitFor(
      async () =>
        (await apps.readNamespacedDeployment({ namespace, name: 'vsc-llm' })).spec?.replicas === 2,
      15_000,
      'replicas 2',
    );

    const deleted = await vscode.commands.executeCommand<string[] | undefined>(
      'kubeMl.deleteEndpoint',
      `${namespace}/vsc-llm`,
      'Delete',
    );
    assert.ok(deleted?.includes('Deployment/vsc-llm'));
    await core.readNamespacedPersistentVolumeClaim({ namespace, name: 'vsc-llm-model' });
  });
});
