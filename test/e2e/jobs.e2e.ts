// Training jobs journey: a person runs a 2-worker training job from the command palette on the
// workspace folder (packed), sees the runtime the cluster offers before submitting, follows the
// run in the Training Jobs view, re-runs it from the context menu, and compares both runs' loss
// curves in one chart.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { createTestNamespace, type Journey } from './harness';

export const journey: Journey = {
  name: 'training-jobs',
  timeoutMs: 240_000,
  async run(_page, ctx) {
    const wb = ctx.workbench;
    const testNamespace = await createTestNamespace(ctx, 'jobs-e2e');
    const namespace = testNamespace.name;
    fs.writeFileSync(path.join(ctx.workspacePath, 'train.py'), 'print("fine-tuning")\n');
    try {
      await wb.openKubeMl();
      await wb.switchNamespace(namespace);

      await wb.runCommand('Kube ML: Run Training Job');
      await wb.pick('Run Training Job (1/7)', /Pack local folder/);
      await wb.answerInput(
        'Run Training Job (2/7)',
        'pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime',
      );
      await wb.answerInput('Run Training Job (3/7)', 'python train.py --epochs 1');
      await wb.pick('Run Training Job (4/7)', /^1 × NVIDIA-H100-80GB-HBM3/);
      await wb.answerInput('Run Training Job (5/7)', '2');
      await wb.answerInput('Run Training Job (7/7)', 'e2e-ddp');
      // The confirmation's title names the runtime chosen from API discovery.
      const confirmation = /^e2e-ddp: .*Indexed Job \+ headless Service/;
      await wb.quickInputStep(confirmation, 15_000);
      await ctx.screenshot('submit-shows-runtime', wb.quickInput());
      await wb.pick(confirmation, /^Submit$/);
      // Before anything leaves the machine: the files, their size and what stays home.
      await wb.answerDialog(/Send .* to the cluster\?/, 'Submit');

      const run = await wb.treeItem('Training Jobs', /^e2e-ddp(?!-r2)/, 30_000);
      await ctx.waitFor(
        async () =>
          /running|succeeded/.test(
            (await run.getAttribute('aria-label')) ?? (await run.innerText()),
          ),
        60_000,
        'e2e-ddp to run',
      );
      await ctx.screenshot('view-running', wb.view('Training Jobs'));

      // Open the menu on a settled row: a row that changes state re-renders under an open menu.
      await ctx.waitFor(
        async () => /succeeded/.test(await run.innerText()),
        90_000,
        'e2e-ddp to succeed',
      );
      await wb.contextMenu(run, 'Re-run');
      const rerun = await wb.treeItem('Training Jobs', /^e2e-ddp-r2/, 30_000);
      await ctx.waitFor(
        async () => /succeeded/.test(await rerun.innerText()),
        90_000,
        'the re-run to succeed',
      );
      await ctx.screenshot('view-succeeded', wb.view('Training Jobs'));

      await wb.runCommand('Kube ML: Compare Runs');
      await wb.quickInputStep(/^Compare which runs\?/);
      // A multi-select quick pick: rows carry checkboxes rather than the option role.
      for (const text of [/e2e-ddp(?!-r2)/, /e2e-ddp-r2/]) {
        await wb.quickInput().locator('.monaco-list-row').filter({ hasText: text }).first().click();
      }
      await wb.quickInput().getByText('2 Selected').waitFor({ state: 'visible', timeout: 10_000 });
      await ctx.screenshot('compare-pick', wb.quickInput());
      await wb.quickInputBox().press('Enter');
      const chart = await wb.webview(/^Compare: /, 30_000);
      await chart.locator('.uplot canvas').first().waitFor({ state: 'visible', timeout: 30_000 });
      const status = await chart.getByRole('status').innerText();
      ctx.log(`compare: ${status}`);
      assert.match(status, /^2 runs, \d+ steps$/);
      const legend = await chart.locator('.u-legend').innerText();
      assert.match(legend, /e2e-ddp/);
      assert.match(legend, /e2e-ddp-r2/);
      await ctx.screenshot('compare-chart', wb.editorArea());
    } finally {
      await testNamespace.delete();
    }
  },
};
