import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { KubeMlError } from '../cluster/errors';
import { runCommand, type ExecTarget } from '../cluster/exec';
import type { WorkloadRef } from '../cluster/workloadRef';
import type { Services } from '../common/services';
import { proxyArgv } from './model/proxyArguments';
import { hasInclude, sshHostAlias, upsertHostEntry, withInclude } from './model/sshConfig';
import { NO_SSHD_EXIT, POD_SSHD_PORT, START_SSHD_SCRIPT, sshUserFromOutput } from './model/sshd';
import { generateSshKeyPair } from './model/sshKeys';

const SSH_FOLDER = path.join(os.homedir(), '.ssh');
const KUBE_ML_SSH_FOLDER = path.join(SSH_FOLDER, 'kube-ml');
const KUBE_ML_CONFIG = path.join(KUBE_ML_SSH_FOLDER, 'config');
const IDENTITY_FILE = path.join(KUBE_ML_SSH_FOLDER, 'id_ecdsa');

async function readText(file: string): Promise<string> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw error;
  }
}

/** Kube ML's own key pair, made once; only its public half ever reaches a pod. */
async function ensureIdentity(): Promise<string> {
  await fs.mkdir(KUBE_ML_SSH_FOLDER, { recursive: true, mode: 0o700 });
  const existing = await readText(`${IDENTITY_FILE}.pub`);
  if (existing.trim() && (await readText(IDENTITY_FILE)).trim()) return existing.trim();
  const pair = generateSshKeyPair(`kube-ml@${os.hostname()}`);
  await fs.writeFile(IDENTITY_FILE, pair.privateKeyPem, { mode: 0o600 });
  await fs.writeFile(`${IDENTITY_FILE}.pub`, `${pair.publicKeyLine}\n`, { mode: 0o644 });
  return pair.publicKeyLine;
}

/** The kubeconfig file the proxy must read (the same one this window uses). */
function kubeconfigPath(services: Services): string {
  const configured = services.settings.kubeconfigPath();
  if (configured) return configured;
  const fromEnvironment = process.env.KUBECONFIG?.split(path.delimiter).find((entry) => entry.length > 0);
  return fromEnvironment ?? path.join(os.homedir(), '.kube', 'config');
}

/** Starts (or finds) sshd in the pod; says clearly when the image has none. */
async function startSshd(services: Services, target: ExecTarget, publicKey: string): Promise<string> {
  const session = services.connection.requireSession();
  const result = await runCommand(session.kubeConfig, target, ['sh', '-c', START_SSHD_SCRIPT, 'kubeml-sshd', publicKey, String(POD_SSHD_PORT)]);
  if (result.exitCode === NO_SSHD_EXIT) {
    throw new KubeMlError('notFound', `The image of ${target.pod} has no sshd, so Remote-SSH cannot connect.`, 'Install openssh-server in the image, or use the built-in Kube ML workspace (Attach Workspace offers it).');
  }
  const user = sshUserFromOutput(result.stdout.toString('utf8'));
  if (result.exitCode !== 0 || !user) {
    throw new KubeMlError('unknown', `Could not start sshd in ${target.pod}: ${result.stderr.toString('utf8').trim() || `exit code ${result.exitCode}`}.`, 'Use the built-in Kube ML workspace instead.');
  }
  return user;
}

/** Adds "Include ~/.ssh/kube-ml/config" to ~/.ssh/config, only with the user's consent. */
async function ensureInclude(): Promise<boolean> {
  const userConfig = path.join(SSH_FOLDER, 'config');
  const text = await readText(userConfig);
  if (hasInclude(text, KUBE_ML_CONFIG)) return true;
  const consent = await vscode.window.showInformationMessage(
    'Kube ML keeps its ssh hosts in ~/.ssh/kube-ml/config. Add one "Include" line for it at the top of ~/.ssh/config so Remote-SSH can find them?',
    { modal: true },
    'Add Include Line',
  );
  if (consent !== 'Add Include Line') return false;
  await fs.mkdir(SSH_FOLDER, { recursive: true, mode: 0o700 });
  await fs.writeFile(userConfig, withInclude(text, KUBE_ML_CONFIG), { mode: 0o600 });
  return true;
}

/** Remote-SSH: host entry with our ProxyCommand, sshd in the pod, then open the folder remotely. */
export async function attachWithRemoteSsh(services: Services, workload: WorkloadRef, target: ExecTarget, folder: string): Promise<boolean> {
  const session = services.connection.requireSession();
  const publicKey = await ensureIdentity();
  const user = await startSshd(services, target, publicKey);
  if (!(await ensureInclude())) return false;
  const alias = sshHostAlias(session.contextName, workload.namespace, workload.name);
  const proxyScript = services.extensionContext.asAbsolutePath(path.join('dist', 'sshProxy.js'));
  const entry = {
    alias,
    user,
    identityFile: IDENTITY_FILE,
    // VS Code's own binary runs the script as plain Node; no separate Node install is needed.
    proxyEnvironment: { ELECTRON_RUN_AS_NODE: '1', NODE_NO_WARNINGS: '1' },
    proxyCommand: [
      process.execPath,
      proxyScript,
      ...proxyArgv({ kubeconfig: kubeconfigPath(services), context: session.contextName, namespace: workload.namespace, selector: workload.podSelector, pod: workload.podSelector ? undefined : target.pod, port: POD_SSHD_PORT }),
    ],
  };
  await fs.mkdir(KUBE_ML_SSH_FOLDER, { recursive: true, mode: 0o700 });
  await fs.writeFile(KUBE_ML_CONFIG, upsertHostEntry(await readText(KUBE_ML_CONFIG), entry), { mode: 0o600 });
  services.output.info(`Attach Workspace: ssh host ${alias} written to ${KUBE_ML_CONFIG}`);
  await vscode.commands.executeCommand('vscode.openFolder', vscode.Uri.parse(`vscode-remote://ssh-remote+${alias}${folder}`), { forceNewWindow: true });
  return true;
}
