// View Logs and GPU Metrics inside the real extension host against the sandbox: the panels open,
// their webviews load and report back, lines and GPU samples arrive, and a hidden GPU panel
// stops sampling.
import * as assert from 'assert';
import * as vscode from 'vscode';
import * as k8s from '@kubernetes/client-node';
import type { WorkloadRef } from '../../src/cluster/workloadRef';
import type { LogPanel } from '../../src/logs/logPanel';
import type { GpuMetricsPanel } from '../../src/gpuMetrics/gpuPanel';
import { adminKubeConfig, createTestNamespace, getApi, waitFor } from './helpers';

describe('logs and GPU metrics panels', () => {
  const namespace = `obs-vscode-${Date.now().toString(36)}`;
  const podWorkload: WorkloadRef = { kind: 'Pod', namespace, name: 'trainer-0' };
  let core: k8s.CoreV1Api;

  before(async function () {
    this.timeout(60_000);
    const services = (await getApi()).services;
    await waitFor(() => services.connection.session, 10_000, 'a session');
    core = adminKubeConfig().makeApiClient(k8s.CoreV1Api);
    await createTestNamespace(core, namespace);
    await core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name: 'trainer-0', labels: { run: 'obs' } },
        spec: {
          tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
          containers: [
            {
              name: 'trainer',
              image: 'pytorch/pytorch:2.4.1-cuda12.4-cudnn9-runtime',
              resources: { limits: { 'nvidia.com/gpu': '2' } },
            },
          ],
        },
      },
    });
    await waitFor(
      async () =>
        (await core.readNamespacedPod({ namespace, name: 'trainer-0' })).status?.phase ===
        'Running',
      30_000,
      'the pod to run',
    );
  });

  after(async function () {
    this.timeout(30_000);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await core.deleteNamespace({ name: namespace, gracePeriodSeconds: 0 }).catch(() => undefined);
  });

  it("View Logs opens a webview that shows the pod's lines and its training metrics", async function () {
    this.timeout(60_000);
    const panel = (await vscode.commands.executeCommand('kubeMl.viewLogs', {
      workload: podWorkload,
    })) as LogPanel | undefined;
    assert.ok(panel, 'the command returned its panel');
    assert.strictEqual(panel.panel.viewType, 'kubeMl.logs');
    assert.strictEqual(panel.panel.title, `Logs: ${namespace}/trainer-0`);
    const html = panel.panel.webview.html;
    const nonce = /script-src 'nonce-([^']+)'/.exec(html)?.[1];
    assert.ok(nonce, 'the CSP allows only scripts with a nonce');
    assert.match(html, /default-src 'none'/);
    assert.deepStrictEqual(
      html.match(/<script[^>]*>/g),
      [`<script nonce="${nonce}" src="${/<script nonce="[^"]+" src="([^"]+)"/.exec(html)?.[1]}">`],
      'one script, ours, no inline code',
    );
    assert.match(html, /media\/webviews\/logs\.js/);
    await waitFor(() => panel.renderedLines > 5, 30_000, 'the webview to render lines');
    await waitFor(
      () => panel.session.metricSamples.some((sample) => sample.values.loss !== undefined),
      30_000,
      'loss samples',
    );
    const second = (await vscode.commands.executeCommand('kubeMl.viewLogs', {
      workload: podWorkload,
    })) as LogPanel | undefined;
    assert.ok(second && second !== panel, 'a second viewer opens beside the first');
    await waitFor(() => second.renderedLines > 5, 30_000, 'the second viewer to render lines');
    second.dispose();
    panel.dispose();
  });

  it("GPU Metrics opens a panel with the pod's nvidia-smi values and stops sampling while hidden", async function () {
    this.timeout(90_000);
    const panel = (await vscode.commands.executeCommand('kubeMl.showGpuMetrics', {
      workload: podWorkload,
    })) as GpuMetricsPanel | undefined;
    assert.ok(panel, 'the command returned its panel');
    assert.strictEqual(panel.panel.viewType, 'kubeMl.gpuMetrics');
    await waitFor(() => panel.samplesTaken >= 2, 20_000, 'two samples while visible');
    // Another editor in the same column hides the panel.
    const document = await vscode.workspace.openTextDocument({ content: 'hide the GPU panel' });
    await vscode.window.showTextDocument(document, {
      viewColumn: panel.panel.viewColumn,
      preview: false,
    });
    await waitFor(
      () => !panel.panel.visible && !panel.polling,
      10_000,
      'the panel to be hidden and stop polling',
    );
    const whileHidden = panel.samplesTaken;
    const refreshMs = (await getApi()).services.settings.gpuMetricsRefreshSeconds() * 1000;
    await new Promise((resolve) => setTimeout(resolve, refreshMs * 3));
    assert.strictEqual(panel.samplesTaken, whileHidden, 'no samples while hidden');
    panel.reveal();
    await waitFor(() => panel.samplesTaken > whileHidden, 20_000, 'sampling to resume when shown');
    panel.dispose();
  });
});
