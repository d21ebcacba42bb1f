// Journey: open a terminal on a pod and type into it at once, forward Jupyter's 8888 from the
// palette and see it in the Port Forwards view, then open the pod's folder as this window's workspace
// (built-in kubeml:// provider): the reloaded window keeps the chosen namespace.
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import type { Journey } from './harness';

export const journey: Journey = {
  name: 'remote-access',
  timeoutMs: 240_000,
  async run(page, ctx) {
    const wb = ctx.workbench;
    const devPod = `e2e-ra-${Date.now().toString(36)}`;
    const kubectl = (...args: string[]) =>
      execFileSync('kubectl', ['--kubeconfig', ctx.kubeconfigPath, ...args], { encoding: 'utf8' });
    kubectl(
      'run',
      devPod,
      '-n',
      'ml-team',
      '--image=python:3.11',
      `--labels=kube-ml.dev/devpod=${devPod}`,
      '--port=8888',
    );
    try {
      kubectl('wait', '--for=condition=Ready', `pod/${devPod}`, '-n', 'ml-team', '--timeout=60s');
      await wb.openKubeMl();
      await wb.switchNamespace('ml-team');

      await wb.runCommand('Kube ML: Open Terminal');
      await wb.pick(/^Kube ML: open a terminal$/, new RegExp(devPod));
      const terminalTab = page.getByText(`${devPod}/${devPod}`).first();
      await terminalTab.waitFor({ state: 'visible', timeout: 30_000 });
      // Typed as soon as the terminal says it is connecting, not after the prompt: keys typed
      // while the exec stream comes up are sent once it is up.
      await ctx.waitFor(
        async () => /Connecting to/.test(await wb.terminalRows().innerText()),
        30_000,
        'the terminal to start connecting',
      );
      await page.keyboard.type('echo "sum=$((40+2))"\n');
      await page.getByText('sum=42').first().waitFor({ state: 'visible', timeout: 30_000 });
      await ctx.screenshot('terminal-open');

      await wb.runCommand('Kube ML: Forward Port');
      await wb.pick(/^Kube ML: forward a port$/, new RegExp(devPod));
      const ports = await wb.quickPickOptions(`Kube ML: Forward Port of ${devPod}`);
      ctx.log(`Forward Port offers: ${ports.join(' | ')}`);
      assert.ok(
        ports.some((port) => /8888/.test(port)) &&
          ports.some((port) => /6006/.test(port)) &&
          ports.some((port) => /Other port/.test(port)),
        ports.join(', '),
      );
      await wb.pick(`Kube ML: Forward Port of ${devPod}`, /^8888/);
      const row = await wb.treeItem('Port Forwards', new RegExp(`${devPod}:8888`), 30_000);
      await ctx.waitFor(
        async () => /active/.test((await row.getAttribute('aria-label')) ?? ''),
        30_000,
        'the forward to be active',
      );
      ctx.log(`forward row: ${await row.getAttribute('aria-label')}`);
      await ctx.screenshot('port-forwards-view', wb.view('Port Forwards'));
      await ctx.screenshot('port-forwards');
      await wb.clickInlineAction(row, 'Stop Forward');
      await ctx.waitFor(
        async () =>
          (await wb.treeItems('Port Forwards', new RegExp(`${devPod}:8888`)).count()) === 0,
        15_000,
        'the forward to stop',
      );

      kubectl(
        'exec',
        '-n',
        'ml-team',
        devPod,
        '--',
        'sh',
        '-c',
        'printf "print(42)\\n" > train.py',
      );
      await wb.runCommand('Kube ML: Attach Workspace');
      await wb.pick(/^Kube ML: attach a workspace$/, new RegExp(devPod));
      // Without Remote-SSH / Dev Containers (code-server) the built-in kubeml:// workspace is the
      // method; the window holds the rig's folder, so Attach asks how to open the pod's folder.
      const openings = await wb.quickPickOptions(`Kube ML: Attach Workspace to ${devPod}`);
      ctx.log(`Attach Workspace offers: ${openings.join(' | ')}`);
      assert.deepStrictEqual(
        openings.map(
          (option) =>
            /\b(Open in This Window|Open in New Window|Add to Workspace),/.exec(option)?.[1],
        ),
        ['Open in This Window', 'Open in New Window', 'Add to Workspace'],
        openings.join(', '),
      );
      await wb.pick(`Kube ML: Attach Workspace to ${devPod}`, /\bOpen in This Window,/);
      // The window reloads onto the kubeml:// folder; the extension comes back through onFileSystem:kubeml.
      // The URI names the context it was attached from, so the reopened window reads the right cluster.
      const attachedFolder = new RegExp(
        `^kubeml://ctx\\.kube-ml-sandbox~devpod~ml-team~${devPod}(~[a-z0-9-]+)?/`,
      );
      const openedFolder = () => new URL(page.url()).searchParams.get('folder') ?? '';
      await ctx
        .waitFor(
          async () => attachedFolder.test(openedFolder()),
          60_000,
          `the window to open the kubeml:// folder of ${devPod}`,
        )
        .catch((error: unknown) => {
          throw new Error(`${(error as Error).message}; the page is at ${page.url()}`);
        });
      ctx.log(`reopened on ${openedFolder()}`);
      await wb.openContainer('Explorer');
      const trainPy = page.getByRole('treeitem', { name: /^train\.py/ }).first();
      await trainPy.waitFor({ state: 'visible', timeout: 60_000 });
      await trainPy.click();
      await page
        .locator('.monaco-editor .view-lines')
        .getByText('print(42)')
        .first()
        .waitFor({ state: 'visible', timeout: 30_000 });
      // The reload restarted the extension: the namespace chosen before it is back (not "default").
      await wb
        .statusBarItem(/kube-ml-sandbox \/ ml-team/)
        .waitFor({ state: 'visible', timeout: 30_000 });
      await ctx.screenshot('attached-workspace-explorer');
    } finally {
      kubectl('delete', 'pod', devPod, '-n', 'ml-team', '--grace-period=0', '--wait=false');
    }
  },
};
