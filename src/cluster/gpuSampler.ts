/**
 * Reads a pod's GPUs by running nvidia-smi in it through the API server's exec endpoint (the
 * fallback when the cluster runs no DCGM exporter). Pure: no vscode.
 */
import { Writable } from 'node:stream';
import { Exec, type KubeConfig, type V1Status } from '@kubernetes/client-node';
import { KubeMlError, toKubeMlError } from './errors';
import { retryWithFreshCredentials } from './execCredentials/sharedExecAuth';
import { NVIDIA_SMI_COMMAND, parseNvidiaSmiCsv } from '../gpuMetrics/model/nvidiaSmi';
import type { GpuSnapshot } from '../gpuMetrics/model/gpuSample';

export interface ExecTarget {
  readonly namespace: string;
  readonly pod: string;
  readonly container: string;
}

export interface ExecResult {
  readonly stdout: string;
  readonly stderr: string;
  /** 0 on success; undefined when the server did not say. */
  readonly exitCode: number | undefined;
  readonly message?: string;
}

function exitCodeOf(status: V1Status): number | undefined {
  if (status.status === 'Success') return 0;
  const cause = status.details?.causes?.find((candidate) => candidate.reason === 'ExitCode');
  if (cause?.message !== undefined && /^\d+$/.test(cause.message)) return Number(cause.message);
  // Some runtimes only say it in the message: "... command terminated ... exit status 6".
  const fromMessage = /exit (?:status|code) (\d+)/.exec(status.message ?? '');
  return fromMessage ? Number(fromMessage[1]) : undefined;
}

/** Runs a command (argv, never a shell string) and collects its output, bounded by time and size. */
export async function execCapture(kubeConfig: KubeConfig, target: ExecTarget, command: readonly string[], timeoutMs = 10_000, maxBytes = 1024 * 1024): Promise<ExecResult> {
  const operation = `run ${command[0]} in ${target.namespace}/${target.pod}`;
  const collect = () => {
    const chunks: Buffer[] = [];
    let size = 0;
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        size += chunk.length;
        if (size <= maxBytes) chunks.push(chunk);
        callback();
      },
    });
    return { sink, text: () => Buffer.concat(chunks).toString('utf8') };
  };
  const stdout = collect();
  const stderr = collect();
  let status: V1Status | undefined;
  let socket: Awaited<ReturnType<Exec['exec']>>;
  try {
    socket = await retryWithFreshCredentials(kubeConfig, () => new Exec(kubeConfig).exec(target.namespace, target.pod, target.container, [...command], stdout.sink, stderr.sink, null, false, (received) => (status = received)));
  } catch (error) {
    throw toKubeMlError(error, operation);
  }
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.close();
      reject(new KubeMlError('timeout', `Could not ${operation}: no answer within ${timeoutMs / 1000} s.`, 'The pod may be overloaded or its node unreachable; retry.'));
    }, timeoutMs);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(toKubeMlError(error, operation));
    });
  });
  return { stdout: stdout.text(), stderr: stderr.text(), exitCode: status ? exitCodeOf(status) : undefined, message: status?.message };
}

/** The GPUs a pod's container sees (nvidia-smi inside a container lists only its allocated GPUs). */
export async function sampleGpusViaExec(kubeConfig: KubeConfig, target: ExecTarget, node?: string): Promise<GpuSnapshot> {
  const result = await execCapture(kubeConfig, target, NVIDIA_SMI_COMMAND);
  const where = `${target.namespace}/${target.pod} (${target.container})`;
  if (/No devices were found/i.test(`${result.stdout} ${result.stderr} ${result.message ?? ''}`)) {
    throw new KubeMlError('invalidInput', `nvidia-smi in ${where} found no GPUs.`, 'The container has no GPU allocated: request nvidia.com/gpu in its resources.');
  }
  if (result.exitCode !== 0 && result.exitCode !== undefined) {
    const notInstalled = result.exitCode === 127 || /not found|no such file|executable file/i.test(`${result.stderr} ${result.message ?? ''}`);
    throw new KubeMlError(
      'unknown',
      notInstalled ? `nvidia-smi is not installed in ${where}.` : `nvidia-smi failed in ${where} (exit ${result.exitCode}): ${(result.stderr || result.message || '').trim().slice(0, 300)}`,
      notInstalled ? 'Use an image that ships the NVIDIA utilities (CUDA base images do), or ask an admin to deploy the NVIDIA DCGM exporter.' : 'Check that the pod requested nvidia.com/gpu and the NVIDIA device plugin is healthy.',
    );
  }
  const parsed = parseNvidiaSmiCsv(result.stdout);
  if (parsed.gpus.length === 0) {
    throw new KubeMlError('unknown', `nvidia-smi in ${where} reported no GPUs.`, 'The container has no GPU allocated: request nvidia.com/gpu in its resources.', result.stdout.slice(0, 500));
  }
  return {
    time: Date.now(),
    source: 'nvidia-smi',
    sourceDescription: `nvidia-smi via exec in ${where}`,
    gpus: parsed.gpus.map((gpu) => ({ ...gpu, node, namespace: target.namespace, pod: target.pod })),
  };
}
