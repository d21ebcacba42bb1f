// Remote-SSH figures against the sandbox: the real OpenSSH client through Attach Workspace's
// ProxyCommand (dist/sshProxy.js, one API-server port-forward per ssh connection), against ssh
// through `kubectl port-forward` to the same pod's sshd, and a direct loopback connection to that
// sshd (the physical floor). Needs `npm run build` (dist/sshProxy.js) and sshd (install-sshd.sh).
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { up } from '../scripts/sandbox/cluster';
import { POD_SSHD_PORT } from '../src/attach/model/sshd';
import { preparePodSshHost, SshFolder } from '../src/attach/sshHost';
import { runTextCommand } from '../src/cluster/exec';
import { devPodSelector } from '../src/cluster/devPodContract';
import { createDevPod } from '../src/devPods/lifecycle';
import { WORKSPACE_CONTAINER } from '../src/cluster/devPodContract';
import { defaultResourcesFor } from '../src/devPods/model/spec';
import {
  ADMIN_CONTEXT,
  createTestNamespace,
  deleteTestNamespace,
  SANDBOX_KUBECONFIG,
  sandboxKubeConfig,
  waitFor,
} from '../test/cluster/sandbox';
import { figure, median, timeMs, type Figure } from './figures';

const PROXY_SCRIPT = path.join(__dirname, '..', 'dist', 'sshProxy.js');
const CONNECTS = 10;
const ROUND_TRIPS = 100;

function runSsh(args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('ssh', ['-o', 'BatchMode=yes', ...args], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`ssh ${args.join(' ')} exited ${code}: ${stderr}`)),
    );
  });
}

/** Median ms of one byte out and back through `cat` in an open ssh session. */
async function sessionRoundTrip(args: readonly string[]): Promise<number> {
  const child = spawn('ssh', ['-o', 'BatchMode=yes', ...args, '--', 'cat'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let received = 0;
  child.stdout.on('data', (chunk: Buffer) => (received += chunk.length));
  try {
    child.stdin.write('w');
    await waitFor(() => received >= 1, 30_000, 'the ssh session to echo');
    const samples: number[] = [];
    for (let index = 0; index < ROUND_TRIPS; index++) {
      const target = received + 1;
      samples.push(
        await timeMs(async () => {
          child.stdin.write('x');
          await waitFor(() => received >= target, 10_000, 'an echoed byte', 0);
        }),
      );
    }
    return median(samples);
  } finally {
    child.kill();
  }
}

async function startKubectlForward(
  namespace: string,
  pod: string,
): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(
    'kubectl',
    [
      '--kubeconfig',
      SANDBOX_KUBECONFIG,
      '--context',
      ADMIN_CONTEXT,
      'port-forward',
      '-n',
      namespace,
      `pod/${pod}`,
      `:${POD_SSHD_PORT}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const port = await waitFor(
    () => Number(/Forwarding from 127\.0\.0\.1:(\d+)/.exec(output)?.[1]) || undefined,
    20_000,
    `kubectl port-forward (${output})`,
  );
  return { child, port };
}

export async function run(): Promise<Figure[]> {
  if (!fs.existsSync(PROXY_SCRIPT))
    throw new Error(`${PROXY_SCRIPT} is missing: run \`npm run build\` first`);
  await up();
  const admin = sandboxKubeConfig('admin');
  const namespace = await createTestNamespace('bench-ssh');
  const sshFolder = new SshFolder(fs.mkdtempSync(path.join(os.tmpdir(), 'kmw-bench-ssh-')));
  let kubectl: ChildProcess | undefined;
  try {
    const name = 'ssh-bench';
    await createDevPod(admin, {
      name,
      namespace,
      image: 'pytorch/pytorch:2.4.1-cuda12.4-cudnn9-runtime',
      imagePreset: 'pytorch',
      ...defaultResourcesFor(0),
      workspace: { size: '1Gi' },
      idleMinutes: 0,
      restrictedPodSecurity: true,
    });
    const target = { namespace, pod: name, container: WORKSPACE_CONTAINER };
    const podIp =
      (await admin.makeApiClient(k8s.CoreV1Api).readNamespacedPod({ namespace, name })).status
        ?.podIP ?? '';
    await waitFor(
      async () =>
        (await runTextCommand(admin, target, ['printenv', 'POD_IP'])).stdout.trim() === podIp,
      15_000,
      'the pod to know its IP',
    );
    const host = await preparePodSshHost(
      admin,
      sshFolder,
      {
        contextName: ADMIN_CONTEXT,
        kubeconfigPath: SANDBOX_KUBECONFIG,
        nodeExecutable: process.execPath,
        proxyScript: PROXY_SCRIPT,
        workload: {
          kind: 'DevPod',
          namespace,
          name,
          podSelector: devPodSelector(name),
          container: WORKSPACE_CONTAINER,
        },
      },
      target,
    );
    const ours = ['-F', host.configFile, host.alias];
    const direct = (address: string, port: number) => [
      '-F',
      '/dev/null',
      '-i',
      sshFolder.identityFile,
      '-o',
      'IdentitiesOnly=yes',
      '-o',
      'StrictHostKeyChecking=no',
      '-o',
      'UserKnownHostsFile=/dev/null',
      '-o',
      'LogLevel=ERROR',
      '-p',
      String(port),
      `${host.user}@${address}`,
    ];
    const forward = await startKubectlForward(namespace, name);
    kubectl = forward.child;
    const viaKubectl = direct('127.0.0.1', forward.port);
    const floor = direct(podIp, POD_SSHD_PORT);

    const connect = async (args: string[]) => {
      await runSsh([...args, '--', 'true']);
      const samples: number[] = [];
      for (let index = 0; index < CONNECTS; index++)
        samples.push(await timeMs(() => runSsh([...args, '--', 'true'])));
      return median(samples);
    };
    const oursConnect = await connect(ours);
    const kubectlConnect = await connect(viaKubectl);
    const floorConnect = await connect(floor);
    const oursRoundTrip = await sessionRoundTrip(ours);
    const kubectlRoundTrip = await sessionRoundTrip(viaKubectl);
    const floorRoundTrip = await sessionRoundTrip(floor);
    return [
      figure(
        `ssh connect + run \`true\`, new tunnel per connection (median of ${CONNECTS})`,
        oursConnect,
        kubectlConnect,
        'ms',
        'lower',
        'ssh via an already running kubectl port-forward',
      ),
      figure(
        `ssh connect + run \`true\` (median of ${CONNECTS})`,
        oursConnect,
        floorConnect,
        'ms',
        'lower',
        'ssh straight to the pod sshd on loopback (floor)',
      ),
      figure(
        `ssh session: 1-byte echo round trip (median of ${ROUND_TRIPS})`,
        oursRoundTrip,
        kubectlRoundTrip,
        'ms',
        'lower',
        'same through kubectl port-forward',
      ),
      figure(
        `ssh session: 1-byte echo round trip (median of ${ROUND_TRIPS})`,
        oursRoundTrip,
        floorRoundTrip,
        'ms',
        'lower',
        'ssh straight to the pod sshd on loopback (floor)',
      ),
    ];
  } finally {
    kubectl?.kill();
    await deleteTestNamespace(namespace);
    fs.rmSync(sshFolder.folder, { recursive: true, force: true });
  }
}
