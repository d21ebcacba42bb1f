import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ExecTarget } from '../cluster/exec';
import type { WorkloadRef } from '../cluster/workloadRef';
import type { Services } from '../common/services';
import { hasInclude, withInclude } from './model/sshConfig';
import { preparePodSshHost, readText, SshFolder } from './sshHost';

const SSH_FOLDER = path.join(os.homedir(), '.ssh');
const KUBE_ML_SSH = new SshFolder(path.join(SSH_FOLDER, 'kube-ml'));

/** The kubeconfig files the proxy must merge, as a KUBECONFIG list (the same ones this window uses). */
function kubeconfigPath(services: Services): string {
  return (
    services.settings.kubeconfigPath() ??
    (process.env.KUBECONFIG || path.join(os.homedir(), '.kube', 'config'))
  );
}

/** Adds "Include ~/.ssh/kube-ml/config" to ~/.ssh/config, only with the user's consent. */
async function ensureInclude(): Promise<boolean> {
  const userConfig = path.join(SSH_FOLDER, 'config');
  const text = await readText(userConfig);
  if (hasInclude(text, KUBE_ML_SSH.configFile)) return true;
  const consent = await vscode.window.showInformationMessage(
    'Kube ML keeps its ssh hosts in ~/.ssh/kube-ml/config. Add one "Include" line for it at the top of ~/.ssh/config so Remote-SSH can find them?',
    { modal: true },
    'Add Include Line',
  );
  if (consent !== 'Add Include Line') return false;
  await fs.mkdir(SSH_FOLDER, { recursive: true, mode: 0o700 });
  await fs.writeFile(userConfig, withInclude(text, KUBE_ML_SSH.configFile), { mode: 0o600 });
  return true;
}

/** Remote-SSH: consent for the Include line, sshd in the pod, host entry with our ProxyCommand, then open the folder remotely. */
export async function attachWithRemoteSsh(
  services: Services,
  workload: WorkloadRef,
  target: ExecTarget,
  folder: string,
): Promise<boolean> {
  const session = services.connection.requireSession();
  if (!(await ensureInclude())) return false;
  const { alias, configFile } = await preparePodSshHost(
    session.kubeConfig,
    KUBE_ML_SSH,
    {
      contextName: session.contextName,
      kubeconfigPath: kubeconfigPath(services),
      workload,
      nodeExecutable: process.execPath,
      proxyScript: services.extensionContext.asAbsolutePath(path.join('dist', 'sshProxy.js')),
    },
    target,
  );
  services.output.info(`Attach Workspace: ssh host ${alias} written to ${configFile}`);
  await vscode.commands.executeCommand(
    'vscode.openFolder',
    vscode.Uri.parse(`vscode-remote://ssh-remote+${alias}${folder}`),
    { forceNewWindow: true },
  );
  return true;
}
