/**
 * Reads a pod's GPUs by running nvidia-smi in it through the API server's exec endpoint (the
 * fallback when the cluster runs no DCGM exporter). Pure: no vscode.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { KubeMlError } from '../errors';
import { runTextCommand, type ExecTarget } from '../exec';
import { NVIDIA_SMI_COMMAND, parseNvidiaSmiCsv } from './nvidiaSmi';
import type { GpuSnapshot } from './sample';

/** nvidia-smi answers in well under a second; a pod that does not is stuck, not slow. */
const SAMPLE_TIMEOUT_MS = 10_000;
/** A few lines per GPU: ample for any node. */
const SAMPLE_MAX_OUTPUT_BYTES = 1024 * 1024;

/** The GPUs a pod's container sees (nvidia-smi inside a container lists only its allocated GPUs). */
export async function sampleGpusViaExec(
  kubeConfig: KubeConfig,
  target: ExecTarget,
  node?: string,
): Promise<GpuSnapshot> {
  const result = await runTextCommand(kubeConfig, target, NVIDIA_SMI_COMMAND, {
    timeoutMs: SAMPLE_TIMEOUT_MS,
    maxOutputBytes: SAMPLE_MAX_OUTPUT_BYTES,
  });
  const where = `${target.namespace}/${target.pod} (${target.container})`;
  if (/No devices were found/i.test(`${result.stdout} ${result.stderr} ${result.message ?? ''}`)) {
    throw new KubeMlError(
      'invalidInput',
      `nvidia-smi in ${where} found no GPUs.`,
      'The container has no GPU allocated: request nvidia.com/gpu in its resources.',
    );
  }
  if (result.exitCode !== 0) {
    const notInstalled =
      result.exitCode === 127 ||
      /not found|no such file|executable file/i.test(`${result.stderr} ${result.message ?? ''}`);
    throw new KubeMlError(
      'unknown',
      notInstalled
        ? `nvidia-smi is not installed in ${where}.`
        : `nvidia-smi failed in ${where} (exit ${result.exitCode}): ${(result.stderr || result.message || '').trim().slice(0, 300)}`,
      notInstalled
        ? 'Use an image that ships the NVIDIA utilities (CUDA base images do), or ask an admin to deploy the NVIDIA DCGM exporter.'
        : 'Check that the pod requested nvidia.com/gpu and the NVIDIA device plugin is healthy.',
    );
  }
  const parsed = parseNvidiaSmiCsv(result.stdout);
  if (parsed.gpus.length === 0) {
    throw new KubeMlError(
      'unknown',
      `nvidia-smi in ${where} reported no GPUs.`,
      'The container has no GPU allocated: request nvidia.com/gpu in its resources.',
      result.stdout.slice(0, 500),
    );
  }
  return {
    time: Date.now(),
    source: 'nvidia-smi',
    sourceDescription: `nvidia-smi via exec in ${where}`,
    gpus: parsed.gpus.map((gpu) => ({
      ...gpu,
      node,
      namespace: target.namespace,
      pod: target.pod,
    })),
  };
}
