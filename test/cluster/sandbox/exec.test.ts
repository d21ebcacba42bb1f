import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import * as k8s from '@kubernetes/client-node';
import {
  createTestNamespace,
  deleteTestNamespace,
  sandboxKubeConfig,
  waitFor,
  waitForPodPhase,
} from '../sandbox';
import { PODS_DIR } from '../../../scripts/sandbox/paths';
import { trainingPod } from './testPods';

/** Runs a command without a TTY and collects stdout, stderr and the exit status. */
async function execCollect(
  kubeConfig: k8s.KubeConfig,
  namespace: string,
  pod: string,
  command: string[],
): Promise<{ stdout: string; stderr: string; status: k8s.V1Status }> {
  let stdout = '';
  let stderr = '';
  const sink = (append: (text: string) => void): Writable =>
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        append(chunk.toString('utf8'));
        done();
      },
    });
  const status = await new Promise<k8s.V1Status>((resolve, reject) => {
    new k8s.Exec(kubeConfig)
      .exec(
        namespace,
        pod,
        'main',
        command,
        sink((t) => {
          stdout += t;
        }),
        sink((t) => {
          stderr += t;
        }),
        null,
        false,
        resolve,
      )
      .catch(reject);
  });
  return { stdout, stderr, status };
}

/** A stdout stream the client treats as a terminal: it reads columns/rows and listens for 'resize'. */
class FakeTerminal extends PassThrough {
  columns = 80;
  rows = 24;
  output = '';
  constructor() {
    super();
    this.on('data', (chunk: Buffer) => {
      this.output += chunk.toString('utf8');
    });
  }
  resize(columns: number, rows: number): void {
    this.columns = columns;
    this.rows = rows;
    this.emit('resize');
  }
}

describe('sandbox: exec', () => {
  const kubeConfig = sandboxKubeConfig('admin');
  const core = kubeConfig.makeApiClient(k8s.CoreV1Api);
  let namespace = '';

  before(async () => {
    namespace = await createTestNamespace('sandbox-exec');
    await core.createNamespacedPod({ namespace, body: trainingPod('gpu2', 2) });
    await core.createNamespacedPod({ namespace, body: trainingPod('cpu', 0) });
    await waitForPodPhase(namespace, 'gpu2');
    await waitForPodPhase(namespace, 'cpu');
  });
  after(async () => {
    await deleteTestNamespace(namespace);
  });

  it('runs bash in a per-pod working folder with the pod environment', async () => {
    const result = await waitFor(
      async () => {
        const r = await execCollect(kubeConfig, namespace, 'gpu2', [
          'bash',
          '-c',
          'echo "$PWD|$POD_NAME|$POD_NAMESPACE|$KMW_GPU_COUNT"; echo oops >&2; exit 3',
        ]);
        return r.stdout ? r : undefined;
      },
      15000,
      'the exec stand-in of gpu2',
    );
    const [pwd, podName, podNamespace, gpus] = result.stdout.trim().split('|');
    assert.equal(path.dirname(pwd), path.join(PODS_DIR, namespace));
    assert.match(path.basename(pwd), /^gpu2_[0-9a-f-]{36}$/);
    assert.equal(podName, 'gpu2');
    assert.equal(podNamespace, namespace);
    assert.equal(gpus, '2');
    assert.equal(result.stderr.trim(), 'oops');
    assert.equal(result.status.status, 'Failure');
    // kwok reports a non-zero exit as an InternalError naming the exit status (a real kubelet
    // sends reason NonZeroExitCode with an ExitCode cause); see docs/SANDBOX.md.
    assert.match(result.status.message ?? '', /exit status 3/);
  });

  it('nvidia-smi --query-gpu prints exactly one CSV row per requested GPU', async () => {
    const query = [
      'nvidia-smi',
      '--query-gpu=index,name,utilization.gpu,memory.used,memory.total,power.draw,temperature.gpu',
      '--format=csv,noheader,nounits',
    ];
    const { stdout } = await execCollect(kubeConfig, namespace, 'gpu2', query);
    const rows = stdout
      .trim()
      .split('\n')
      .map((line) => line.split(', '));
    assert.equal(rows.length, 2);
    for (const [index, row] of rows.entries()) {
      assert.equal(row.length, 7);
      assert.equal(row[0], String(index));
      assert.match(row[1], /^NVIDIA (H100|A100)/);
      const utilization = Number(row[2]);
      assert.ok(utilization >= 0 && utilization <= 100, row[2]);
      assert.ok(Number(row[3]) < Number(row[4]), 'memory.used < memory.total');
    }
    const withHeader = await execCollect(kubeConfig, namespace, 'gpu2', [
      'nvidia-smi',
      '--query-gpu=index,memory.used',
      '--format=csv',
    ]);
    const lines = withHeader.stdout.trim().split('\n');
    assert.equal(lines[0], 'index, memory.used [MiB]');
    assert.match(lines[1], /^0, \d+ MiB$/);
    const table = await execCollect(kubeConfig, namespace, 'gpu2', ['nvidia-smi']);
    assert.match(table.stdout, /NVIDIA-SMI .* Driver Version: .* CUDA Version:/);
    assert.equal((table.stdout.match(/MiB \/ +\d+MiB/g) ?? []).length, 2);
  });

  it('nvidia-smi reports no devices in a pod without GPUs', async () => {
    const { stdout, status } = await execCollect(kubeConfig, namespace, 'cpu', ['nvidia-smi']);
    assert.match(stdout, /No devices were found/);
    assert.equal(status.status, 'Failure');
  });

  it('opens an interactive TTY shell that follows terminal resizes', async () => {
    const terminal = new FakeTerminal();
    const stdin = new PassThrough();
    const socket = await new k8s.Exec(kubeConfig).exec(
      namespace,
      'gpu2',
      'main',
      ['bash'],
      terminal,
      null,
      stdin,
      true,
    );
    try {
      stdin.write('echo "gpus=$KMW_GPU_COUNT"\n');
      await waitFor(() => /gpus=2/.test(terminal.output), 15000, 'the shell to answer');
      // The first size message may reach the pty after bash starts: ask until it shows.
      await waitFor(
        async () => {
          stdin.write('stty size\n');
          await new Promise((resolve) => setTimeout(resolve, 200));
          return /24 80/.test(terminal.output);
        },
        15000,
        'stty size 24 80 in the TTY',
      );
      terminal.resize(132, 41);
      await waitFor(
        async () => {
          stdin.write('stty size\n');
          await new Promise((resolve) => setTimeout(resolve, 200));
          return /41 132/.test(terminal.output);
        },
        15000,
        'the resize to reach the TTY (stty size 41 132)',
      );
    } finally {
      stdin.end('exit\n');
      socket.close();
    }
  });
});
