// Foundation journey: a person opens the Kube ML container, reads where the GPUs are, looks at
// every view and switches namespace from the command palette.
import * as assert from 'assert';
import type { Journey, Locator } from './harness';

/** The sandbox's GPU products and their totals (2 nodes x 8 H100, 2 nodes x 4 A100). */
const SANDBOX_PRODUCTS = [
  { product: /H100/, nodes: 2, total: 16 },
  { product: /A100/, nodes: 2, total: 8 },
];

const VIEWS = [
  'Clusters',
  'GPU Capacity',
  'Dev Pods',
  'Port Forwards',
  'Training Jobs',
  'Endpoints',
];

async function accessibleName(item: Locator): Promise<string> {
  return (await item.getAttribute('aria-label')) ?? (await item.innerText());
}

export const journey: Journey = {
  name: 'explorer',
  async run(_page, ctx) {
    const wb = ctx.workbench;
    await wb.openKubeMl();
    for (const view of VIEWS) {
      await wb.viewHeader(view).waitFor({ state: 'visible' });
    }

    const context = await wb.treeItem('Clusters', /kube-ml-sandbox/, 30_000);
    ctx.log(`Clusters: ${await accessibleName(context)}`);
    await ctx.screenshot('sidebar');

    // Collapse what is not being read so the GPU Capacity section has room for its nodes.
    for (const view of ['Dev Pods', 'Port Forwards', 'Training Jobs', 'Endpoints']) {
      await wb.collapseView(view);
    }
    await wb.expandView('GPU Capacity');
    for (const { product, nodes, total } of SANDBOX_PRODUCTS) {
      const row = await wb.treeItem('GPU Capacity', product, 30_000);
      const name = await accessibleName(row);
      ctx.log(`GPU Capacity: ${name}`);
      assert.match(
        name,
        new RegExp(`\\b${total}\\b`),
        `GPU Capacity row ${name} does not show the sandbox's ${total} GPUs`,
      );
      await wb.expandTreeItem(row);
      // Node rows sit under the product row; the sandbox's GPU node names include the product's family.
      await ctx.waitFor(
        async () => (await wb.treeItems('GPU Capacity').count()) >= SANDBOX_PRODUCTS.length + nodes,
        20_000,
        `the ${product.source} node rows`,
      );
    }
    const rows = await wb.treeItems('GPU Capacity').allInnerTexts();
    ctx.log(`GPU Capacity rows:\n    ${rows.map((row) => row.replace(/\n/g, ' ')).join('\n    ')}`);
    await ctx.screenshot('gpu-capacity-view', wb.view('GPU Capacity'));
    await ctx.screenshot('gpu-capacity');

    for (const view of ['Dev Pods', 'Port Forwards', 'Training Jobs', 'Endpoints']) {
      const section = await wb.expandView(view);
      await ctx.screenshot(`view-${view.toLowerCase().replace(/ /g, '-')}`, section);
    }
    await ctx.screenshot('clusters-view', wb.view('Clusters'));

    await wb.runCommand('Kube ML: Switch Namespace');
    const namespaces = await wb.quickPickOptions(/Switch Namespace/);
    ctx.log(`Switch Namespace offers: ${namespaces.join(', ')}`);
    assert.ok(
      namespaces.some((ns) => /ml-team/.test(ns)),
      `Switch Namespace does not offer ml-team: ${namespaces.join(', ')}`,
    );
    await ctx.screenshot('switch-namespace');
    await wb.pick(/Switch Namespace/, /ml-team/);
    await wb.quickInput().waitFor({ state: 'hidden' });
    const statusItem = wb.statusBarItem(/ml-team/);
    await statusItem.waitFor({ state: 'visible' });
    ctx.log(`status bar: ${await accessibleName(statusItem)}`);
    await ctx.screenshot('namespace-switched');
  },
};
