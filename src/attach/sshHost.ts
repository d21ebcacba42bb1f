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
import {
  knownHostsLine,
  sshHostAlias,
  upsertHostEntry,
  type SshHostEntry,
} from './model/sshConfig';
import {
  hostKeyFromOutput,
  NO_SSHD_EXIT,
  POD_SSHD_PORT,
  START_SSHD_SCRIPT,
  sshUserFromOutput,
} from './model/sshd';
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
  /** One known_hosts file per host alias, holding only that pod's sshd key. */
  knownHostsFile(alias: string): string {
    return path.join(this.folder, 'known_hosts.d', alias);
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

export interface PodSshd {
  /** The user sshd runs as (and ssh logs in as). */
  readonly user: string;
  /** Its host public key ("ssh-ed25519 AAAA..."), read over exec from the very pod we resolved. */
  readonly hostKey: string;
}

/** Starts (or finds) sshd in the pod trusting `publicKey`. Says clearly when the image has none. */
export async function startPodSshd(
  kubeConfig: KubeConfig,
  target: ExecTarget,
  publicKey: string,
): Promise<PodSshd> {
  const result = await runCommand(
    kubeConfig,
    target,
    ['sh', '-c', START_SSHD_SCRIPT, 'kubeml-sshd', publicKey, String(POD_SSHD_PORT)],
    { operation: `start sshd in ${target.namespace}/${target.pod}` },
  );
  if (result.exitCode === NO_SSHD_EXIT) {
    throw new KubeMlError(
      'notFound',
      `The image of ${target.pod} has no sshd, so Remote-SSH cannot connect.`,
      'Install openssh-server in the image, or use the built-in Kube ML workspace (Attach Workspace offers it).',
    );
  }
  const output = result.stdout.toString('utf8');
  const user = sshUserFromOutput(output);
  const hostKey = hostKeyFromOutput(output);
  if (result.exitCode !== 0 || !user || !hostKey) {
    throw new KubeMlError(
      'unknown',
      `Could not start sshd in ${target.pod}: ${result.stderr.toString('utf8').trim() || `exit code ${result.exitCode}`}.`,
      'Use the built-in Kube ML workspace instead.',
    );
  }
  return { user, hostKey };
}

export interface PodSshHost {
  readonly contextName: string;
  /** The kubeconfig file the proxy reads (the one this window uses). */
  readonly kubeconfigPath: string;
  readonly workload: WorkloadRef;
  /** The pod sshd runs in, by exact name (a dev pod's pod keeps its name when recreated). */
  readonly pod: string;
  readonly user: string;
  readonly identityFile: string;
  readonly knownHostsFile: string;
  /** Node (VS Code's own binary in the product) and the bundled dist/sshProxy.js it runs. */
  readonly nodeExecutable: string;
  readonly proxyScript: string;
}

/** The ssh config entry of a pod: its ProxyCommand names the pod exactly, its host key is pinned. */
export function podSshHostEntry(host: PodSshHost): SshHostEntry {
  const { workload } = host;
  return {
    alias: sshHostAlias(host.contextName, workload.namespace, workload.name),
    user: host.user,
    identityFile: host.identityFile,
    knownHostsFile: host.knownHostsFile,
    // VS Code's binary runs the script as plain Node; no separate Node install is needed.
    proxyEnvironment: { ELECTRON_RUN_AS_NODE: '1', NODE_NO_WARNINGS: '1' },
    proxyCommand: [
      host.nodeExecutable,
      host.proxyScript,
      ...proxyArgv({
        kubeconfig: host.kubeconfigPath,
        context: host.contextName,
        namespace: workload.namespace,
        pod: host.pod,
        port: POD_SSHD_PORT,
      }),
    ],
  };
}

/** Adds or replaces the entry in the Kube ML ssh config. */
export async function writeHostEntry(ssh: SshFolder, entry: SshHostEntry): Promise<void> {
  await fs.mkdir(ssh.folder, { recursive: true, mode: 0o700 });
  await fs.writeFile(ssh.configFile, upsertHostEntry(await readText(ssh.configFile), entry), {
    mode: 0o600,
  });
}

/** Pins `hostKey` as the only key ssh accepts for `alias` (replacing what an earlier attach pinned). */
export async function pinHostKey(ssh: SshFolder, alias: string, hostKey: string): Promise<void> {
  const file = ssh.knownHostsFile(alias);
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await fs.writeFile(file, `${knownHostsLine(alias, hostKey)}\n`, { mode: 0o600 });
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
  host: Omit<PodSshHost, 'user' | 'identityFile' | 'knownHostsFile' | 'pod'>,
  target: ExecTarget,
): Promise<PreparedSshHost> {
  const publicKey = await ensureIdentity(ssh);
  const { user, hostKey } = await startPodSshd(kubeConfig, target, publicKey);
  const alias = sshHostAlias(host.contextName, host.workload.namespace, host.workload.name);
  const entry = podSshHostEntry({
    ...host,
    pod: target.pod,
    user,
    identityFile: ssh.identityFile,
    knownHostsFile: ssh.knownHostsFile(alias),
  });
  await pinHostKey(ssh, entry.alias, hostKey);
  await writeHostEntry(ssh, entry);
  return { alias: entry.alias, user, configFile: ssh.configFile };
}
