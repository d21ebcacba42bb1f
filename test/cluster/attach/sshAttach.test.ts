// Attach Workspace's Remote-SSH path for real, minus the Remote-SSH extension: our code starts sshd
// in a dev pod over exec and writes the ssh config entry; the real OpenSSH client then connects
// through the ProxyCommand that config names (dist/sshProxy.js run by Node, no kubectl).
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { renderHostEntry } from '../../../src/attach/model/sshConfig';
import { POD_SSHD_PORT, START_SSHD_SCRIPT } from '../../../src/attach/model/sshd';
import { generateSshKeyPair } from '../../../src/attach/model/sshKeys';
import {
  podSshHostEntry,
  preparePodSshHost,
  SshFolder,
  writeHostEntry,
} from '../../../src/attach/sshHost';
import { runTextCommand, type ExecTarget } from '../../../src/cluster/exec';
import { PodFiles } from '../../../src/cluster/podFiles';
import { devPodSelector } from '../../../src/cluster/devPodContract';
import type { WorkloadRef } from '../../../src/cluster/workloadRef';
import { createDevPod, resumeDevPod, stopDevPod } from '../../../src/devPods/lifecycle';
import { WORKSPACE_CONTAINER } from '../../../src/cluster/devPodContract';
import { defaultResourcesFor } from '../../../src/devPods/model/spec';
import {
  ADMIN_CONTEXT,
  createTestNamespace,
  deleteTestNamespace,
  SANDBOX_KUBECONFIG,
  sandboxKubeConfig,
  waitFor,
} from '../sandbox';

const REPO = path.resolve(__dirname, '..', '..', '..');
const PROXY_SCRIPT = path.join(REPO, 'dist', 'sshProxy.js');
const DEV_POD = 'ssh-box';

interface SshResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The real OpenSSH client with only the given config (-F: ~/.ssh/config stays out of it). */
function ssh(
  configFile: string,
  host: string,
  remoteCommand: string,
  input = '',
): Promise<SshResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'ssh',
      ['-F', configFile, '-o', 'BatchMode=yes', host, '--', remoteCommand],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 45_000);
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input);
  });
}

function sshOk(result: SshResult, what: string): string {
  assert.equal(result.code, 0, `${what}: ssh exited ${result.code}; stderr: ${result.stderr}`);
  return result.stdout;
}

/** True once nothing accepts connections on address:port. */
function refuses(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: address, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

/** TCP connections established to address:port on this machine (the sandbox pod's sshd side). */
function establishedTo(address: string, port: number): number {
  const hexAddress = address
    .split('.')
    .map((octet) => Number(octet).toString(16).padStart(2, '0').toUpperCase())
    .reverse()
    .join('');
  const local = `${hexAddress}:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  return fs
    .readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .slice(1)
    .filter((line) => {
      const fields = line.trim().split(/\s+/);
      return fields[1] === local && fields[3] === '01';
    }).length;
}

describe('remote access: Remote-SSH attach through our ProxyCommand (sandbox, real sshd and ssh)', function () {
  this.timeout(120_000);
  const admin = sandboxKubeConfig('admin');
  const core = admin.makeApiClient(k8s.CoreV1Api);
  let namespace: string;
  let workload: WorkloadRef;
  let target: ExecTarget;
  let sshFolder: SshFolder;
  let alias: string;
  let workspace: string;

  /** Our attach flow minus the editor: key, sshd in the pod over exec, host entry. */
  const attach = () =>
    preparePodSshHost(
      admin,
      sshFolder,
      {
        contextName: ADMIN_CONTEXT,
        kubeconfigPath: SANDBOX_KUBECONFIG,
        workload,
        nodeExecutable: process.execPath,
        proxyScript: PROXY_SCRIPT,
      },
      target,
    );

  /**
   * Sandbox pods learn their IP (POD_IP, and the ssh ports' forward target) a moment after they
   * turn Running; a person clicking Attach never meets that window, a test can.
   */
  const waitForPodAddress = async (): Promise<string> => {
    const pod = await core.readNamespacedPod({ namespace, name: DEV_POD });
    const podIp = pod.status?.podIP;
    assert.ok(podIp, 'the running dev pod has an IP');
    target = { namespace, pod: DEV_POD, container: WORKSPACE_CONTAINER };
    await waitFor(
      async () =>
        (await runTextCommand(admin, target, ['printenv', 'POD_IP'])).stdout.trim() === podIp,
      15_000,
      `exec in ${DEV_POD} to see POD_IP ${podIp}`,
    );
    return podIp;
  };

  before(async function () {
    assert.ok(
      fs.existsSync(PROXY_SCRIPT),
      `${PROXY_SCRIPT} is missing: run \`npm run build\` first (npm test builds before the cluster suite)`,
    );
    assert.ok(
      fs.existsSync('/usr/sbin/sshd'),
      '/usr/sbin/sshd is missing: run `bash scripts/sandbox/install-sshd.sh` (npm test does), then `npm run sandbox -- restart-agent`',
    );
    namespace = await createTestNamespace('ra-ssh');
    await createDevPod(admin, {
      name: DEV_POD,
      namespace,
      image: 'pytorch/pytorch:2.4.1-cuda12.4-cudnn9-runtime',
      imagePreset: 'pytorch',
      ...defaultResourcesFor(0),
      workspace: { size: '1Gi' },
      idleMinutes: 0,
      restrictedPodSecurity: true,
    });
    workload = {
      kind: 'DevPod',
      namespace,
      name: DEV_POD,
      podSelector: devPodSelector(DEV_POD),
      container: WORKSPACE_CONTAINER,
    };
    await waitForPodAddress();
    workspace = await new PodFiles(admin, target).workingDirectory();
    sshFolder = new SshFolder(fs.mkdtempSync(path.join(os.tmpdir(), 'kmw-ssh-')));
  });

  after(async () => {
    if (namespace) await deleteTestNamespace(namespace);
    if (sshFolder) fs.rmSync(sshFolder.folder, { recursive: true, force: true });
  });

  it('writes a host entry whose ProxyCommand runs dist/sshProxy.js with Node, and ssh runs a command in the pod', async () => {
    const prepared = await attach();
    alias = prepared.alias;
    assert.match(
      alias,
      new RegExp(`^kubeml\\.${ADMIN_CONTEXT}\\.${namespace}\\.${DEV_POD}\\.[0-9a-f]{8}$`),
    );
    const config = fs.readFileSync(prepared.configFile, 'utf8');
    assert.match(config, new RegExp(`^Host ${alias.replace(/\./g, '\\.')}$`, 'm'));
    assert.match(config, new RegExp(`^ {2}User ${prepared.user}$`, 'm'));
    assert.match(config, /^ {2}StrictHostKeyChecking yes$/m);
    assert.match(
      fs.readFileSync(sshFolder.knownHostsFile(alias), 'utf8'),
      new RegExp(`^${alias.replace(/\./g, '\\.')} ssh-ed25519 [A-Za-z0-9+/]+=*\n$`),
    );
    assert.ok(
      config.includes(
        `ProxyCommand env ELECTRON_RUN_AS_NODE=1 NODE_NO_WARNINGS=1 ${process.execPath} ${PROXY_SCRIPT} --kubeconfig ${SANDBOX_KUBECONFIG}`,
      ),
      config,
    );
    assert.ok(config.includes(`--pod ${DEV_POD} `), config);
    assert.equal((fs.statSync(sshFolder.identityFile).mode & 0o777).toString(8), '600');

    assert.equal(
      sshOk(await ssh(prepared.configFile, alias, 'echo hello-from-pod'), 'echo'),
      'hello-from-pod\n',
    );
  });

  it("reaches this pod's own sshd, the one Attach started (SSH_CONNECTION names the pod IP and port 2222)", async () => {
    const pod = await core.readNamespacedPod({ namespace, name: DEV_POD });
    const [, , serverAddress, serverPort] = sshOk(
      await ssh(sshFolder.configFile, alias, 'echo $SSH_CONNECTION'),
      'SSH_CONNECTION',
    )
      .trim()
      .split(' ');
    assert.equal(serverAddress, pod.status?.podIP);
    assert.equal(Number(serverPort), POD_SSHD_PORT);
    // Attaching again finds the running sshd instead of starting a second one.
    const again = await attach();
    assert.equal(again.alias, alias);
  });

  it('a file written over ssh is read through exec, and one written through exec is read over ssh', async () => {
    const files = new PodFiles(admin, target);
    const fromSsh = `written over ssh ${Date.now()}\n`;
    sshOk(
      await ssh(sshFolder.configFile, alias, `cat > '${workspace}/from-ssh.txt'`, fromSsh),
      'write over ssh',
    );
    assert.equal(
      (await files.readFile(`${workspace}/from-ssh.txt`)).content.toString('utf8'),
      fromSsh,
    );

    const fromExec = `written through exec ${Date.now()}\n`;
    await files.writeFile(`${workspace}/from-exec.txt`, Buffer.from(fromExec), {
      create: true,
      overwrite: false,
    });
    assert.equal(
      sshOk(
        await ssh(sshFolder.configFile, alias, `cat '${workspace}/from-exec.txt'`),
        'read over ssh',
      ),
      fromExec,
    );
  });

  it("leaves no connection to the pod's sshd behind once ssh exits", async () => {
    const podIp = (await core.readNamespacedPod({ namespace, name: DEV_POD })).status
      ?.podIP as string;
    for (let i = 0; i < 3; i++) sshOk(await ssh(sshFolder.configFile, alias, 'true'), `ssh ${i}`);
    // ssh ends its ProxyCommand with SIGHUP; the proxy must close the tunnel so the pod side hangs up.
    await waitFor(
      () => establishedTo(podIp, POD_SSHD_PORT) === 0,
      15_000,
      `no connection left to ${podIp}:${POD_SSHD_PORT}`,
    );
  });

  it('refuses a key the pod was never given', async () => {
    const stranger = new SshFolder(fs.mkdtempSync(path.join(os.tmpdir(), 'kmw-ssh-stranger-')));
    try {
      const pair = generateSshKeyPair('stranger@test');
      fs.writeFileSync(stranger.identityFile, pair.privateKeyPem, { mode: 0o600 });
      const user = sshOk(await ssh(sshFolder.configFile, alias, 'id -un'), 'id').trim();
      const entry = podSshHostEntry({
        contextName: ADMIN_CONTEXT,
        kubeconfigPath: SANDBOX_KUBECONFIG,
        workload,
        pod: DEV_POD,
        user,
        identityFile: stranger.identityFile,
        knownHostsFile: sshFolder.knownHostsFile(alias),
        nodeExecutable: process.execPath,
        proxyScript: PROXY_SCRIPT,
      });
      fs.writeFileSync(stranger.configFile, `${renderHostEntry(entry)}\n`);
      const result = await ssh(stranger.configFile, entry.alias, 'echo should-not-run');
      assert.equal(result.code, 255);
      assert.equal(result.stdout, '');
      assert.match(result.stderr, /Permission denied \(publickey\)/);
    } finally {
      fs.rmSync(stranger.folder, { recursive: true, force: true });
    }
  });

  it('refuses an sshd whose host key is not the one Attach pinned, until Attach pins the new one', async () => {
    const podIp = (await core.readNamespacedPod({ namespace, name: DEV_POD })).status
      ?.podIP as string;
    // Another sshd behind the same alias: ours stops, its key goes, a fresh one starts with a new key.
    const folder = 'dir="${HOME:-/tmp}/.kube-ml/ssh"; [ -d "$dir" ] || dir=/tmp/kube-ml-ssh';
    await runTextCommand(admin, target, [
      'sh',
      '-c',
      `${folder}; kill "$(cat "$dir/sshd.pid")"; rm -f "$dir/host_key" "$dir/host_key.pub" "$dir/sshd.pid"`,
    ]);
    await waitFor(
      () => refuses(podIp, POD_SSHD_PORT),
      15_000,
      `the first sshd to stop listening on ${podIp}:${POD_SSHD_PORT}`,
    );
    const publicKey = fs.readFileSync(`${sshFolder.identityFile}.pub`, 'utf8').trim();
    const restarted = await runTextCommand(admin, target, [
      'sh',
      '-c',
      START_SSHD_SCRIPT,
      'kubeml-sshd',
      publicKey,
      String(POD_SSHD_PORT),
    ]);
    assert.equal(restarted.exitCode, 0, restarted.stderr);

    const refused = await ssh(sshFolder.configFile, alias, 'echo should-not-run');
    assert.equal(refused.code, 255);
    assert.equal(refused.stdout, '');
    assert.match(refused.stderr, /Host key verification failed/);

    await attach();
    assert.equal(
      sshOk(await ssh(sshFolder.configFile, alias, 'echo pinned-again'), 'after attaching again'),
      'pinned-again\n',
    );
  });

  it("when the dev pod is missing, ssh fails with the proxy's message on stderr", async () => {
    const ghost: WorkloadRef = {
      kind: 'DevPod',
      namespace,
      name: 'ghost',
      podSelector: devPodSelector('ghost'),
      container: WORKSPACE_CONTAINER,
    };
    const entry = podSshHostEntry({
      contextName: ADMIN_CONTEXT,
      kubeconfigPath: SANDBOX_KUBECONFIG,
      workload: ghost,
      pod: 'ghost',
      user: 'root',
      identityFile: sshFolder.identityFile,
      knownHostsFile: sshFolder.knownHostsFile('ghost'),
      nodeExecutable: process.execPath,
      proxyScript: PROXY_SCRIPT,
    });
    await writeHostEntry(sshFolder, entry);
    const result = await ssh(sshFolder.configFile, entry.alias, 'echo should-not-run');
    assert.equal(result.code, 255);
    assert.equal(result.stdout, '');
    assert.ok(
      result.stderr.includes(`kube-ml ssh proxy: No running pod of pod ${namespace}/ghost.`),
      `stderr: ${result.stderr}`,
    );
  });

  it('after Stop and Resume (a new pod, a new IP) the old sshd is gone, and attaching again makes the same host entry work', async () => {
    const before = await core.readNamespacedPod({ namespace, name: DEV_POD });
    const oldIp = before.status?.podIP as string;
    await stopDevPod(admin, namespace, DEV_POD, 'test');
    // The sandbox stops a deleted pod's processes, as a node would: its sshd no longer listens.
    await waitFor(
      () => refuses(oldIp, POD_SSHD_PORT),
      15_000,
      `nothing listening on the deleted pod's ${oldIp}:${POD_SSHD_PORT}`,
    );

    await resumeDevPod(admin, namespace, DEV_POD);
    await waitForPodAddress();
    const stale = await ssh(sshFolder.configFile, alias, 'echo should-not-run');
    assert.equal(stale.code, 255, 'the recreated pod runs no sshd until Attach starts one');
    assert.match(stale.stderr, /kube-ml ssh proxy: /);

    await attach();
    assert.equal(
      sshOk(
        await ssh(sshFolder.configFile, alias, `cat '${workspace}/from-ssh.txt'`),
        'read after resume',
      ).startsWith('written over ssh'),
      true,
    );
  });
});
