// Training jobs inside the real extension host, against the sandbox: a run submitted through the
// registered command (from a .kubeml/job.yaml with a packed local folder), the Training Jobs view
// following it to "succeeded" from its watches, Re-run, and the Compare Runs panel opening.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import * as k8s from '@kubernetes/client-node';
import type { Services } from '../../src/common/services';
import { VIEW_ROWS_COMMAND } from '../../src/common/viewRows';
import type { SubmitResult } from '../../src/jobs/submit';
import {
  adminKubeConfig,
  createTestNamespace,
  getApi,
  switchSessionNamespace,
  waitFor,
} from './helpers';

interface ViewRow {
  name: string;
  contextValue: string;
  description: string;
  state: string;
  reason?: string;
  workers: number;
  gpusPerWorker: number;
}

const JOB_FILE = `name: vscode-run
image: pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime
command: python train.py
args: [--epochs, 1]
gpusPerWorker: 1
workers: 1
code: { source: folder, path: . }
podAnnotations: { sandbox.kube-ml.dev/run-seconds: 4 }
`;

describe('jobs', function () {
  this.timeout(120_000);
  const namespace = `jobs-vscode-${Date.now().toString(36)}`;
  const core = adminKubeConfig().makeApiClient(k8s.CoreV1Api);
  let services: Services;
  let originalNamespace: string | undefined;
  let folder: string;

  const rows = async (): Promise<ViewRow[]> =>
    (await vscode.commands.executeCommand<ViewRow[]>(VIEW_ROWS_COMMAND, 'kubeMl.trainingJobs')) ??
    [];
  const row = async (name: string): Promise<ViewRow | undefined> =>
    (await rows()).find((candidate) => candidate.name === name);

  before(async () => {
    services = (await getApi()).services;
    await createTestNamespace(core, namespace);
    originalNamespace = await switchSessionNamespace(services, namespace);
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'kmw-jobs-'));
    fs.mkdirSync(path.join(folder, '.kubeml'));
    fs.writeFileSync(path.join(folder, '.kubeml', 'job.yaml'), JOB_FILE);
    fs.writeFileSync(path.join(folder, 'train.py'), 'print("train")\n');
  });

  after(async () => {
    for (const tab of vscode.window.tabGroups.all.flatMap((group) => group.tabs)) {
      if (
        tab.input instanceof vscode.TabInputWebview &&
        tab.input.viewType.includes('kubeMl.runCompare')
      )
        await vscode.window.tabGroups.close(tab);
    }
    if (originalNamespace) await services.connection.switchNamespace(originalNamespace);
    await core.deleteNamespace({ name: namespace, gracePeriodSeconds: 0 }).catch(() => undefined);
    fs.rmSync(folder, { recursive: true, force: true });
  });

  it('runs .kubeml/job.yaml through the command and the Training Jobs view follows it to succeeded', async () => {
    const result = await vscode.commands.executeCommand<SubmitResult | undefined>(
      'kubeMl.runTrainingJobFromFile',
      vscode.Uri.file(path.join(folder, '.kubeml', 'job.yaml')),
      true,
    );
    assert.ok(
      result,
      'the command reported a submitted run (see the Kube ML output for the error otherwise)',
    );
    assert.equal(result.runtime, 'job');
    assert.deepEqual(result.applied, [
      `Secret ${namespace}/vscode-run-code-0`,
      `Job ${namespace}/vscode-run`,
    ]);
    const seen = new Set<string>();
    const done = await waitFor(
      async () => {
        const current = await row('vscode-run');
        if (current) seen.add(current.contextValue);
        return current?.state === 'succeeded' ? current : undefined;
      },
      60_000,
      'vscode-run to show as succeeded in the Training Jobs view',
    );
    assert.equal(done.contextValue, 'trainingJob.succeeded');
    assert.match(done.description, /^succeeded · 1×1 GPU · \d+s$/);
    assert.ok(
      seen.has('trainingJob.running') || seen.has('trainingJob.pending'),
      `the view showed the run before it ended (saw ${[...seen].join(', ')})`,
    );
  });

  it('re-runs it under a new name and compares the two runs in a chart panel', async () => {
    const again = await vscode.commands.executeCommand<SubmitResult & { name: string }>(
      'kubeMl.rerunJob',
      { run: { namespace, name: 'vscode-run', runtime: 'job' } },
    );
    assert.equal(again?.name, 'vscode-run-r2');
    await waitFor(
      async () => (await row('vscode-run-r2'))?.state === 'succeeded',
      60_000,
      'the re-run to succeed',
    );
    const items = ['vscode-run', 'vscode-run-r2'].map((name) => ({
      run: { namespace, name, runtime: 'job' },
    }));
    const title = await vscode.commands.executeCommand<string>(
      'kubeMl.compareRuns',
      items[0],
      items,
    );
    assert.equal(title, 'Compare: vscode-run vs vscode-run-r2');
    const tab = await waitFor(
      () =>
        vscode.window.tabGroups.all
          .flatMap((group) => group.tabs)
          .find(
            (candidate) =>
              candidate.input instanceof vscode.TabInputWebview &&
              candidate.input.viewType.includes('kubeMl.runCompare'),
          ),
      10_000,
      'the Compare Runs panel',
    );
    assert.equal(tab.label, title);
  });
});
