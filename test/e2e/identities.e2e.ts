// Signing in like on a real cluster: a person switches to a context whose user signs in through an
// exec credential plugin, reads the device code in the notification, confirms it on the sign-in
// page, and the window connects as that user. The context is switched back, and stored, for the
// journeys after.
import * as assert from 'assert';
import { confirmDeviceCode } from '../deviceSignIn';
import type { Journey } from './harness';

const ADMIN_CONTEXT = 'kube-ml-sandbox';
const SSO_CONTEXT = 'kube-ml-sandbox-sso';

export const journey: Journey = {
  name: 'identities',
  async run(_page, ctx) {
    const wb = ctx.workbench;
    await wb.openKubeMl();
    await wb.runCommand('Kube ML: Switch Context');
    await wb.pick(/Switch Context/, new RegExp(`^${SSO_CONTEXT}(,|$)`));
    try {
      const toast = await wb.notification(
        /asks you to sign in at http:\/\/127\.0\.0\.1:\d+\/device with the code [A-Z]{4}-[A-Z]{4}/,
        60_000,
      );
      const text = (await toast.getAttribute('aria-label')) ?? (await toast.innerText());
      ctx.log(`sign-in notification: ${text}`);
      await ctx.screenshot('sign-in-prompt');
      const shown = /(http:\/\/\S+?) with the code ([A-Z]{4}-[A-Z]{4})/.exec(text);
      assert.ok(shown, `no URL and code in the notification: ${text}`);
      // The person's browser: the sign-in page takes the code.
      await confirmDeviceCode({ url: shown[1], userCode: shown[2] });
      await wb
        .statusBarItem(new RegExp(`${SSO_CONTEXT} / ml-team`))
        .waitFor({ state: 'visible', timeout: 60_000 });
      await wb.treeItem('GPU Capacity', /H100/, 30_000);
      await ctx.screenshot('signed-in');
    } finally {
      await wb.runCommand('Kube ML: Switch Context');
      await wb.pick(/Switch Context/, new RegExp(`^${ADMIN_CONTEXT}(,|$)`));
      await wb
        .statusBarItem(new RegExp(`${ADMIN_CONTEXT} / `))
        .waitFor({ state: 'visible', timeout: 30_000 });
      // The next journey's page starts from the remembered context: it must be stored, not only shown.
      await wb.waitForStoredGlobalState('kubeMl.connection', { contextName: ADMIN_CONTEXT });
    }
  },
};
