// The Remote-SSH host of a dev pod, without the editor: Kube ML's key pair, sshd started in the pod
// over exec, and the ssh config entry whose ProxyCommand is dist/sshProxy.js. sshAttach.ts adds the
// VS Code part (consent, opening the window); the cluster suite drives this module with real ssh.
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { KubeMlError } from '../cluster/errors';
import { runCommand, type ExecTarget } from '../cluster/exec';
import type { WorkloadRef } from '../cluster/workloadRef';
import { proxyArgv } from './model/proxyArguments';
import { sshHostAlias, upsertHostEntry, type SshHostEntry } from './model/sshConfig';
import { NO_SSHD_EXIT, POD_SSHD_PORT, START_SSHD_SCRIPT, sshUserFromOutput } from './model/sshd';
import { generateSshKeyPair } from './model/sshKeys';

/** A file's text, or '' when it does not exist yet. */
export async function readText(file: string): Promise<string> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw error;
  }
}

/** Where Kube ML keeps its ssh files (~/.ssh/kube-ml in the product). */
export class SshFolder {
  constructor(readonly folder: string) {}
  get configFile(): string {
    return path.join(this.folder, 'config');
  }
  get identityFile(): string {
    return path.join(this.folder, 'id_ecdsa');
  }
}

/** Kube ML's own key pair, made once; only its public half ever reaches a pod. Returns the public key line. */
export async function ensureIdentity(ssh: SshFolder): Promise<string> {
  await fs.mkdir(ssh.folder, { recursive: true, mode: 0o700 });
  const existing = await readText(`${ssh.identityFile}.pub`);
  if (existing.trim() && (await readText(ssh.identityFile)).trim()) return existing.trim();
  const pair = generateSshKeyPair(`kube-ml@${os.hostname()}`);
  await fs.writeFile(ssh.identityFile, pair.privateKeyPem, { mode: 0o600 });
  await fs.writeFile(`${ssh.identityFile}.pub`, `${pair.publicKeyLine}\n`, { mode: 0o644 });
  return pair.publicKeyLine;
}

/** Starts (or finds) sshd in the pod trusting `publicKey`; returns the user it runs as. Says clearly when the image has none. */
export async function startPodSshd(kubeConfig: KubeConfig, target: ExecTarget, publicKey: string): Promise<string> {
  const result = await runCommand(kubeConfig, target, ['sh', '-c', START_SSHD_SCRIPT, 'kubeml-sshd', publicKey, String(POD_SSHD_PORT)], { operation: `start sshd in ${target.namespace}/${target.pod}` });
  if (result.exitCode === NO_SSHD_EXIT) {
    throw new KubeMlError('notFound', `The image of ${target.pod} has no sshd, so Remote-SSH cannot connect.`, 'Install openssh-server in the image, or use the built-in Kube ML workspace (Attach Workspace offers it).');
  }
  const user = sshUserFromOutput(result.stdout.toString('utf8'));
  if (result.exitCode !== 0 || !user) {
    throw new KubeMlError('unknown', `Could not start sshd in ${target.pod}: ${result.stderr.toString('utf8').trim() || `exit code ${result.exitCode}`}.`, 'Use the built-in Kube ML workspace instead.');
  }
  return user;
}

export interface PodSshHost {
  readonly contextName: string;
  /** The kubeconfig file the proxy reads (the one this window uses). */
  readonly kubeconfigPath: string;
  readonly workload: WorkloadRef;
  /** The pod sshd runs in; the proxy follows `workload.podSelector` instead when there is one. */
  readonly pod: string;
  readonly user: string;
  readonly identityFile: string;
  /** Node (VS Code's own binary in the product) and the bundled dist/sshProxy.js it runs. */
  readonly nodeExecutable: string;
  readonly proxyScript: string;
}

/** The ssh config entry of a dev pod: a selector-following ProxyCommand, so a recreated pod is found again. */
export function podSshHostEntry(host: PodSshHost): SshHostEntry {
  const { workload } = host;
  return {
    alias: sshHostAlias(host.contextName, workload.namespace, workload.name),
    user: host.user,
    identityFile: host.identityFile,
    // VS Code's binary runs the script as plain Node; no separate Node install is needed.
    proxyEnvironment: { ELECTRON_RUN_AS_NODE: '1', NODE_NO_WARNINGS: '1' },
    proxyCommand: [
      host.nodeExecutable,
      host.proxyScript,
      ...proxyArgv({ kubeconfig: host.kubeconfigPath, context: host.contextName, namespace: workload.namespace, selector: workload.podSelector, pod: workload.podSelector ? undefined : host.pod, port: POD_SSHD_PORT }),
    ],
  };
}

/** Adds or replaces the entry in the Kube ML ssh config. */
export async function writeHostEntry(ssh: SshFolder, entry: SshHostEntry): Promise<void> {
  await fs.mkdir(ssh.folder, { recursive: true, mode: 0o700 });
  await fs.writeFile(ssh.configFile, upsertHostEntry(await readText(ssh.configFile), entry), { mode: 0o600 });
}

export interface PreparedSshHost {
  readonly alias: string;
  readonly user: string;
  readonly configFile: string;
}

/** Everything Remote-SSH needs before it connects: key, sshd in the pod, host entry. */
export async function preparePodSshHost(
  kubeConfig: KubeConfig,
  ssh: SshFolder,
  host: Omit<PodSshHost, 'user' | 'identityFile' | 'pod'>,
  target: ExecTarget,
): Promise<PreparedSshHost> {
  const publicKey = await ensureIdentity(ssh);
  const user = await startPodSshd(kubeConfig, target, publicKey);
  const entry = podSshHostEntry({ ...host, pod: target.pod, user, identityFile: ssh.identityFile });
  await writeHostEntry(ssh, entry);
  return { alias: entry.alias, user, configFile: ssh.configFile };
}
