import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import { KubeMlError } from '../../../src/cluster/errors';
import { applyEndpoint } from '../../../src/serving/endpointApi';
import { devPodModelVolume, listDevPods } from '../../../src/serving/modelSources';
import {
  ensureModelVolume,
  scanLocalModel,
  startUploaderPod,
  uploadModel,
  type UploaderPod,
} from '../../../src/serving/modelUpload';
import { parseChecksums } from '../../../src/serving/model/uploadPlan';
import { waitForRollout } from '../../../src/serving/rolloutTracker';
import { runTextCommand } from '../../../src/cluster/exec';
import { createTestNamespace, deleteTestNamespace, sandboxKubeConfig, waitFor } from '../sandbox';
import { testEndpoint } from './helpers';

describe('serving: model upload with checksums and resume, dev pod volumes (sandbox)', function () {
  this.timeout(120_000);
  const kubeConfig = sandboxKubeConfig('developer');
  let namespace: string;
  let folder: string;
  let uploader: UploaderPod | undefined;

  before(async () => {
    namespace = await createTestNamespace('serving-upload');
    folder = mkdtempSync(join(tmpdir(), 'kubeml-model-'));
    writeFileSync(
      join(folder, 'config.json'),
      JSON.stringify({ model_type: 'llama', hidden_size: 64 }),
    );
    writeFileSync(
      join(folder, 'tokenizer.json'),
      JSON.stringify({ vocab: Array.from({ length: 2000 }, (_, index) => `tok${index}`) }),
    );
    // A fake safetensors file: 8-byte header length, JSON header, then random "weights".
    const header = Buffer.from(
      JSON.stringify({
        'w.weight': { dtype: 'F16', shape: [1024, 1024], data_offsets: [0, 2 * 1024 * 1024] },
      }),
    );
    const length = Buffer.alloc(8);
    length.writeBigUInt64LE(BigInt(header.length));
    writeFileSync(
      join(folder, 'model-00001-of-00002.safetensors'),
      Buffer.concat([length, header, randomBytes(2 * 1024 * 1024)]),
    );
    writeFileSync(
      join(folder, 'model-00002-of-00002.safetensors'),
      Buffer.concat([length, header, randomBytes(2 * 1024 * 1024)]),
    );
    mkdirSync(join(folder, 'extra'));
    writeFileSync(join(folder, 'extra', 'generation_config.json'), '{"temperature":0.6}');
  });
  after(async () => {
    uploader?.dispose();
    rmSync(folder, { recursive: true, force: true });
    if (namespace) await deleteTestNamespace(namespace);
  });

  it('uploads a folder into a model volume, resumes after an abort without re-sending verified files, and publishes it whole', async () => {
    const model = await scanLocalModel(folder);
    assert.equal(model.files.length, 5);
    await ensureModelVolume(kubeConfig, {
      namespace,
      claimName: 'llm-model',
      endpointName: 'llm',
      minBytes: model.totalBytes,
    });
    uploader = await startUploaderPod(kubeConfig, namespace, 'llm-model');
    const pod = await kubeConfig
      .makeApiClient(CoreV1Api)
      .readNamespacedPod({ namespace, name: uploader.target.pod });
    assert.equal(pod.spec?.containers[0].securityContext?.allowPrivilegeEscalation, false);
    assert.equal(pod.spec?.securityContext?.runAsNonRoot, true);

    // Small chunks so that the abort lands after some files were verified and before the last.
    const abort = new AbortController();
    let abortedAt = 0;
    await assert.rejects(
      uploadModel(kubeConfig, uploader.target, model, 'models/llm', {
        chunkBytes: 1024 * 1024,
        signal: abort.signal,
        onProgress: (progress) => {
          if (
            progress.currentFile === 'model-00002-of-00002.safetensors' &&
            !abort.signal.aborted
          ) {
            abortedAt = progress.sentBytes;
            abort.abort();
          }
        },
      }),
      (error: KubeMlError) => error.kind === 'cancelled',
    );
    assert.ok(abortedAt > 0);
    // Nothing is published while the upload is incomplete.
    const before = await runTextCommand(
      kubeConfig,
      uploader.target,
      ['sh', '-c', 'ls models; exit 0'],
      { operation: 'list models' },
    );
    assert.doesNotMatch(before.stdout, /^llm$/m);

    const progress: number[] = [];
    const resumed = await uploadModel(kubeConfig, uploader.target, model, 'models/llm', {
      chunkBytes: 1024 * 1024,
      onProgress: (next) => progress.push(next.sentBytes),
    });
    assert.ok(
      resumed.skippedFiles >= 2,
      `verified files are skipped (skipped ${resumed.skippedFiles})`,
    );
    assert.ok(
      resumed.sentBytes < model.totalBytes,
      `resume sends less than everything (${resumed.sentBytes} of ${model.totalBytes})`,
    );
    assert.equal(resumed.sentBytes + resumed.skippedBytes, model.totalBytes);

    const published = await runTextCommand(
      kubeConfig,
      uploader.target,
      ['sh', '-c', 'cd models/llm && find . -type f -exec sha256sum {} + && ls -a ..'],
      { operation: 'check published model' },
    );
    const sums = parseChecksums(published.stdout);
    for (const file of model.files) assert.equal(sums.get(file.path), file.sha256, file.path);
    assert.doesNotMatch(published.stdout, /kubeml-upload/, 'the staging folder is gone');

    // A second upload of the same model sends nothing but still republishes atomically.
    const again = await uploadModel(kubeConfig, uploader.target, model, 'models/llm');
    assert.equal(again.sentFiles, 5, 'after publishing, staging starts empty again');
  });

  it("deploys from a dev pod's workspace volume mounted read-only and reaches Available", async () => {
    const core = kubeConfig.makeApiClient(CoreV1Api);
    await ensureModelVolume(kubeConfig, {
      namespace,
      claimName: 'alice-workspace',
      endpointName: 'none',
      minBytes: 1,
    });
    await core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name: 'alice-0', labels: { 'kube-ml.dev/devpod': 'alice' } },
        spec: {
          containers: [
            {
              name: 'dev',
              image: 'python:3.12',
              volumeMounts: [{ name: 'workspace', mountPath: '/workspace' }],
            },
          ],
          volumes: [{ name: 'workspace', persistentVolumeClaim: { claimName: 'alice-workspace' } }],
        },
      },
    });
    const devPods = await waitFor(
      async () =>
        (await listDevPods(kubeConfig, namespace)).filter(
          (pod) => pod.metadata?.name === 'alice-0',
        ),
      20_000,
      'dev pod listed',
    );
    const volume = devPodModelVolume(devPods[0], '/workspace/out/llama/');
    assert.deepEqual(volume, { claimName: 'alice-workspace', path: 'out/llama', readOnly: true });
    assert.throws(
      () => devPodModelVolume(devPods[0], '/tmp/model'),
      /not on a volume of dev pod alice/,
    );

    await applyEndpoint(
      kubeConfig,
      testEndpoint(namespace, { name: 'from-devpod', model: volume }),
      'deployment',
    );
    const deployment = await kubeConfig
      .makeApiClient(AppsV1Api)
      .readNamespacedDeployment({ namespace, name: 'from-devpod' });
    assert.deepEqual(
      { ...deployment.spec?.template.spec?.volumes?.[0].persistentVolumeClaim },
      { claimName: 'alice-workspace', readOnly: true },
    );
    assert.equal(deployment.spec?.template.spec?.containers[0].volumeMounts?.[0].readOnly, true);
    assert.equal(
      (await waitForRollout(kubeConfig, namespace, 'from-devpod', { timeoutMs: 60_000 })).phase,
      'available',
    );
  });
});
