// Journey: create a GPU dev pod with the guided flow (name typed, then Enter on the GPU and image
// defaults), watch it run in the Dev Pods view, stop it from its context menu, then delete it
// (with its volume) from the palette.
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import type { Journey } from './harness';

export const journey: Journey = {
  name: 'dev-pods',
  timeoutMs: 240_000,
  async run(page, ctx) {
    const wb = ctx.workbench;
    const name = `e2e-dp-${Date.now().toString(36)}`;
    // Its own namespace: other journeys and suites share ml-team.
    const namespace = `${name}-ns`;
    const kubectl = (...args: string[]) =>
      execFileSync('kubectl', ['--kubeconfig', ctx.kubeconfigPath, ...args], { encoding: 'utf8' });
    kubectl('create', 'namespace', namespace);
    kubectl('label', 'namespace', namespace, 'sandbox.kube-ml.dev/test-namespace=true');
    try {
      await wb.openKubeMl();
      await wb.switchNamespace(namespace);

      await wb.runCommand('Kube ML: Create Dev Pod');
      await wb.quickInputStep('Create Dev Pod (1/3): name');
      const nameBox = wb.quickInputBox();
      await nameBox.fill(name);
      await ctx.screenshot('1-name');
      await nameBox.press('Enter');

      const gpuOptions = await wb.quickPickOptions('Create Dev Pod (2/3): GPUs', 30_000);
      ctx.log(`GPU choices: ${gpuOptions.slice(0, 4).join(' | ')} ...`);
      assert.ok(
        gpuOptions.some((option) => /H100/.test(option)),
        gpuOptions.join(', '),
      );
      assert.ok(
        gpuOptions.some((option) => /CPU only/.test(option)),
        gpuOptions.join(', '),
      );
      await ctx.screenshot('2-gpus');
      await page.keyboard.press('Enter');

      const images = await wb.quickPickOptions('Create Dev Pod (3/3): image');
      assert.ok(
        images.some((option) => /PyTorch/.test(option)) &&
          images.some((option) => /JAX/.test(option)) &&
          images.some((option) => /Custom image/.test(option)),
        images.join(', '),
      );
      await ctx.screenshot('3-image');
      await page.keyboard.press('Enter');

      const running = await wb.notification(
        new RegExp(`Dev pod ${name} is running on gpu-`),
        60_000,
      );
      await ctx.screenshot('4-running-notification');
      await running
        .getByRole('button', { name: 'Close Notification' })
        .click()
        .catch(() => undefined);

      const row = await wb.treeItem('Dev Pods', new RegExp(name), 30_000);
      await ctx.waitFor(
        async () =>
          /Running/.test((await row.getAttribute('aria-label')) ?? (await row.innerText())),
        30_000,
        'the dev pod row to say Running',
      );
      ctx.log(`row: ${await row.innerText()}`);
      await ctx.screenshot('5-dev-pods-view', wb.view('Dev Pods'));

      await wb.contextMenu(row, 'Stop Dev Pod');
      await ctx.waitFor(
        async () =>
          /Stopped/.test(await (await wb.treeItem('Dev Pods', new RegExp(name))).innerText()),
        60_000,
        'the dev pod row to say Stopped',
      );
      await ctx.screenshot('6-stopped', wb.view('Dev Pods'));
      assert.match(
        kubectl(
          '-n',
          namespace,
          'get',
          'pvc',
          `${name}-workspace`,
          '-o',
          'jsonpath={.status.phase}',
        ),
        /Bound/,
      );

      await page.keyboard.press('Escape');
      await wb.runCommand('Kube ML: Delete Dev Pod');
      await wb.pick(/^Delete Dev Pod$/, new RegExp(name));
      const deleteAll = page.getByRole('button', { name: 'Delete Pod and Volume' });
      await deleteAll.waitFor({ state: 'visible', timeout: 15_000 });
      await ctx.screenshot('7-delete-confirmation');
      await deleteAll.click();
      await ctx.waitFor(
        async () => (await wb.treeItems('Dev Pods', new RegExp(name)).count()) === 0,
        30_000,
        'the dev pod to leave the view',
      );
      await ctx.screenshot('8-deleted', wb.view('Dev Pods'));
    } finally {
      kubectl('delete', 'namespace', namespace, '--wait=false');
    }
  },
};
