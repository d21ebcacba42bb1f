// Workspace-trust journey: a repository's .kubeml/job.yaml asks for unrestricted pods. In a
// code-server of its own with workspace trust on (the rig's turns it off), the folder opens in
// Restricted Mode: running the file creates nothing and the error offers Manage Workspace Trust. Once the person trusts the folder there, the file still may
// not lower pod security without asking: declining creates nothing, accepting creates a Job whose
// pods may run as root but keep no privilege escalation, seccomp and no service-account token.
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import {
  CodeServer,
  freePort,
  freshFolders,
  installVsix,
  removeFolders,
  workspaceTrustSettings,
} from '../../scripts/rig/codeServer';
import { createTestNamespace, type Journey } from './harness';

const RUN = 'e2e-unrestricted';
const JOB_FILE = `name: ${RUN}
image: pytorch/pytorch:2.4.1-cuda12.4-cudnn9-runtime
command: [python, -c, "print('loss=0.5 step=1')"]
code: { source: image }
runtime: job
gpusPerWorker: 0
restrictedPodSecurity: false
`;

export const journey: Journey = {
  name: 'workspace-trust',
  timeoutMs: 180_000,
  async run(page, ctx) {
    const wb = ctx.workbench;
    const testNamespace = await createTestNamespace(ctx, 'trust-e2e');
    const namespace = testNamespace.name;
    const kubectl = (...args: string[]) =>
      execFileSync('kubectl', ['--kubeconfig', ctx.kubeconfigPath, '-n', namespace, ...args], {
        encoding: 'utf8',
      });
    const jobs = () => kubectl('get', 'jobs', '-o', 'name').trim();
    const folders = freshFolders('e2e-trust', undefined, workspaceTrustSettings);
    const jobFile = path.join(folders.workspace, '.kubeml', 'job.yaml');
    fs.mkdirSync(path.dirname(jobFile), { recursive: true });
    fs.writeFileSync(jobFile, JOB_FILE);
    installVsix(ctx.vsixPath, folders);
    const server = await CodeServer.start({
      folders,
      port: await freePort(),
      workspaceTrust: true,
      logFile: path.join(ctx.repoRoot, 'test-results', 'e2e-trust-code-server.log'),
      env: { KUBECONFIG: ctx.kubeconfigPath },
    });
    try {
      await page.goto(`${server.url}/?folder=${encodeURIComponent(folders.workspace)}`, {
        waitUntil: 'domcontentloaded',
      });
      await wb.waitReady();
      await wb.openKubeMl();
      await wb.switchNamespace(namespace);

      await wb.runCommand('Kube ML: Run Training Job from .kubeml/job.yaml');
      const refused = await wb.notification(
        /This workspace is not trusted, so Kube ML does not create anything from its \.kubeml\/job\.yaml/,
      );
      await ctx.screenshot('1-untrusted-refused');
      assert.equal(jobs(), '', 'an untrusted workspace file created a Job');

      // The error's action opens VS Code's Workspace Trust editor (a modal editor in this version).
      await wb.clickNotificationAction(refused, 'Manage Workspace Trust');
      await page.getByRole('button', { name: 'Trust', exact: true }).first().click();
      const trusted = page.getByText('You trust this folder', { exact: true });
      await trusted.waitFor({ state: 'visible' });
      await ctx.screenshot('2-trusted');
      await wb.runCommand('View: Close Editor');
      await trusted.waitFor({ state: 'hidden' });

      const lowerSecurity = /\.kubeml\/job\.yaml turns off restricted pod security/;
      await wb.runCommand('Kube ML: Run Training Job from .kubeml/job.yaml');
      await wb.answerDialog(lowerSecurity, 'Cancel');
      assert.equal(jobs(), '', 'declining the lower pod security still created a Job');

      await wb.runCommand('Kube ML: Run Training Job from .kubeml/job.yaml');
      await ctx.screenshot('3-asks-before-lowering-security');
      await wb.answerDialog(lowerSecurity, 'Create Unrestricted Pods');
      await wb.treeItem('Training Jobs', new RegExp(`^${RUN}`), 30_000);
      const pod = JSON.parse(
        kubectl('get', 'job', RUN, '-o', 'jsonpath={.spec.template.spec}'),
      ) as {
        automountServiceAccountToken?: boolean;
        securityContext?: { runAsNonRoot?: boolean; seccompProfile?: { type?: string } };
        containers: { securityContext?: { allowPrivilegeEscalation?: boolean } }[];
      };
      ctx.log(
        `unrestricted pod spec: ${JSON.stringify({ automount: pod.automountServiceAccountToken, pod: pod.securityContext, containers: pod.containers.map((c) => c.securityContext) })}`,
      );
      assert.equal(pod.automountServiceAccountToken, false);
      assert.notEqual(pod.securityContext?.runAsNonRoot, true);
      assert.equal(pod.securityContext?.seccompProfile?.type, 'RuntimeDefault');
      for (const container of pod.containers)
        assert.equal(container.securityContext?.allowPrivilegeEscalation, false);
      await ctx.screenshot('4-created-unrestricted', wb.view('Training Jobs'));
    } finally {
      await server.stop();
      removeFolders(folders);
      await testNamespace.delete();
    }
  },
};
