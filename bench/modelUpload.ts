// Model upload throughput against the sandbox: a model folder (config.json, tokenizer, several
// safetensors shards; KMW_BENCH_UPLOAD_MIB, default 1024 MiB) uploaded into a model volume by our
// path (local SHA-256 scan + tar over exec in chunks + remote verification + atomic publish)
// versus kubectl's copy of the same folder into the same pod, in the same run. `kubectl cp` itself
// never returns on the sandbox (kwok's streaming server does not pass on the close of stdin), so
// the reference runs what `kubectl cp` does inside, `tar -c | kubectl exec -i POD -- tar -x`, with
// `head -c N` bounding the read. `npm run bench -- modelUpload`.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  ensureModelVolume,
  scanLocalModel,
  startUploaderPod,
  uploadModel,
} from '../src/serving/modelUpload';
import { runTextCommand } from '../src/cluster/exec';
import {
  ADMIN_CONTEXT,
  createTestNamespace,
  deleteTestNamespace,
  SANDBOX_KUBECONFIG,
  sandboxKubeConfig,
} from '../test/cluster/sandbox';
import { figure, timeMs, type Figure } from './figures';

const TOTAL_MIB = Number(process.env.KMW_BENCH_UPLOAD_MIB) || 1024;
const SHARD_MIB = 256;
const execFileAsync = promisify(execFile);

function writeModelFolder(): string {
  const folder = mkdtempSync(join(tmpdir(), 'kmw-bench-model-'));
  writeFileSync(
    join(folder, 'config.json'),
    JSON.stringify({ model_type: 'llama', hidden_size: 4096 }),
  );
  writeFileSync(
    join(folder, 'tokenizer.json'),
    JSON.stringify({ vocab: Array.from({ length: 32000 }, (_, index) => `t${index}`) }),
  );
  const shards = Math.max(1, Math.ceil(TOTAL_MIB / SHARD_MIB));
  const block = randomBytes(1024 * 1024);
  for (let shard = 0; shard < shards; shard += 1) {
    const mib = Math.min(SHARD_MIB, TOTAL_MIB - shard * SHARD_MIB);
    const name = join(
      folder,
      `model-${String(shard + 1).padStart(5, '0')}-of-${String(shards).padStart(5, '0')}.safetensors`,
    );
    writeFileSync(name, '');
    for (let index = 0; index < mib; index += 1) {
      // Vary each MiB so nothing along the way can deduplicate or compress it away.
      block.writeUInt32LE(shard * 1_000_000 + index, 0);
      writeFileSync(name, block, { flag: 'a' });
    }
  }
  mkdirSync(join(folder, 'extra'));
  writeFileSync(join(folder, 'extra', 'generation_config.json'), '{}');
  return folder;
}

export async function run(): Promise<Figure[]> {
  const kubeConfig = sandboxKubeConfig('admin');
  const namespace = await createTestNamespace('bench-upload');
  const folder = writeModelFolder();
  try {
    await ensureModelVolume(kubeConfig, {
      namespace,
      claimName: 'bench-model',
      endpointName: 'bench',
      minBytes: TOTAL_MIB * 2 ** 20,
    });
    const uploader = await startUploaderPod(kubeConfig, namespace, 'bench-model');
    try {
      let bytes = 0;
      const oursMs = await timeMs(async () => {
        const model = await scanLocalModel(folder);
        bytes = model.totalBytes;
        await uploadModel(kubeConfig, uploader.target, model, 'models/ours');
      });
      // The same bytes again with a fresh target: the resume path that skips verified files is not timed.
      const tarBytes = (
        await execFileAsync('bash', ['-c', 'tar -cf - -C "$1" . | wc -c', 'bash', folder])
      ).stdout.trim();
      const kubectlMs = await timeMs(() =>
        execFileAsync(
          'bash',
          [
            '-c',
            'tar -cf - -C "$1" . | kubectl --kubeconfig "$2" --context "$3" -n "$4" exec -i "$5" -c "$6" -- sh -c \'mkdir -p kubectl-copy && head -c "$1" | tar -x -f - -C kubectl-copy\' sh "$7"',
            'bash',
            folder,
            SANDBOX_KUBECONFIG,
            ADMIN_CONTEXT,
            namespace,
            uploader.target.pod,
            uploader.target.container,
            tarBytes,
          ],
          { maxBuffer: 1 << 20 },
        ),
      );
      const check = await runTextCommand(
        kubeConfig,
        uploader.target,
        ['sh', '-c', 'du -sk models/ours kubectl-copy'],
        { operation: 'measure both copies' },
      );
      const [ours, reference] = check.stdout
        .trim()
        .split('\n')
        .map((line) => Number(line.split(/\s+/)[0]) * 1024);
      if (!(ours >= bytes && reference >= bytes))
        throw new Error(
          `copies incomplete: ours ${ours} B, kubectl ${reference} B, expected ${bytes} B`,
        );
      const mib = bytes / 2 ** 20;
      return [
        figure(
          `upload ${Math.round(mib)} MiB model folder (incl. local SHA-256 + remote verify)`,
          mib / (oursMs / 1000),
          mib / (kubectlMs / 1000),
          'MiB/s',
          'higher',
          'tar | kubectl exec -i ... tar -x (what kubectl cp runs)',
        ),
        figure(
          `upload ${Math.round(mib)} MiB model folder, wall time`,
          oursMs / 1000,
          kubectlMs / 1000,
          's',
          'lower',
          'tar | kubectl exec -i ... tar -x (what kubectl cp runs)',
        ),
      ];
    } finally {
      uploader.dispose();
    }
  } finally {
    rmSync(folder, { recursive: true, force: true });
    await deleteTestNamespace(namespace);
  }
}
