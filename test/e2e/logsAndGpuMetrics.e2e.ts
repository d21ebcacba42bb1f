// Observability journey: a person opens View Logs on a training pod from the command palette,
// watches the log follow with its loss curve, searches it, then opens GPU Metrics on the pod.
import * as assert from 'assert';
import { createTestNamespace, type Journey } from './harness';

export const journey: Journey = {
  name: 'logsAndGpuMetrics',
  timeoutMs: 180_000,
  async run(_page, ctx) {
    const wb = ctx.workbench;
    const testNamespace = await createTestNamespace(ctx, 'obs-e2e');
    const { name: namespace, core } = testNamespace;
    try {
      await core.createNamespacedPod({
        namespace,
        body: {
          metadata: { name: 'llama-finetune-0' },
          spec: {
            tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
            containers: [
              {
                name: 'trainer',
                image: 'pytorch/pytorch:2.4.1-cuda12.4-cudnn9-runtime',
                resources: { limits: { 'nvidia.com/gpu': '4' } },
              },
            ],
          },
        },
      });
      await ctx.waitFor(
        async () =>
          (await core.readNamespacedPod({ namespace, name: 'llama-finetune-0' })).status?.phase ===
          'Running',
        30_000,
        'the training pod to run',
      );

      await wb.openKubeMl();
      await wb.switchNamespace(namespace);

      await wb.runCommand('Kube ML: View Logs');
      await wb.pick(/^View Logs of a pod in /, /llama-finetune-0/, 'llama');
      const logs = await wb.webview(/^Logs: /, 30_000);
      await ctx.waitFor(
        async () => (await logs.locator('.row').count()) > 10,
        30_000,
        'log rows in the viewer',
      );
      await logs
        .locator('.plot[data-series="loss"]')
        .waitFor({ state: 'visible', timeout: 30_000 });
      const banner = await logs.locator('.banner').innerText();
      ctx.log(`logs banner: ${banner}`);
      assert.match(banner, /Following live/);
      await ctx.screenshot('logs-viewer-with-chart', wb.editorArea());

      await logs.getByRole('textbox', { name: 'Search' }).fill('grad_norm');
      await logs.getByRole('button', { name: 'Next match' }).click();
      await ctx.waitFor(
        async () => /of \d+/.test(await logs.locator('.match-info').innerText()),
        10_000,
        'search matches',
      );
      ctx.log(`search: ${await logs.locator('.match-info').innerText()}`);
      await ctx.screenshot('logs-search', wb.editorArea());

      await wb.runCommand('Kube ML: GPU Metrics');
      await wb.pick(/^GPU Metrics for/, /llama-finetune-0/, 'llama');
      const gpus = await wb.webview(/^GPUs: /, 30_000);
      await ctx.waitFor(
        async () => (await gpus.locator('table.gpus tr[data-gpu]').count()) === 4,
        30_000,
        'four GPU rows',
      );
      await gpus
        .locator('.chart[data-metric="utilisation"]')
        .waitFor({ state: 'visible', timeout: 30_000 });
      const source = await gpus.locator('.source').innerText();
      ctx.log(`GPU source: ${source}`);
      assert.match(source, /nvidia-smi via exec/);
      await ctx.waitFor(
        async () => Number(await gpus.locator('.charts').getAttribute('data-samples')) >= 4,
        30_000,
        'four samples on the charts',
      );
      await ctx.screenshot('gpu-panel', wb.editorArea());
    } finally {
      await testNamespace.delete();
    }
  },
};
