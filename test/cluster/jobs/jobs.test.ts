import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import type { KubeSession } from '../../../src/cluster/kubeSession';
import { KubeMlError } from '../../../src/cluster/errors';
import { packLocalFolder } from '../../../src/jobs/folderPacker';
import { NO_CAPABILITIES } from '../../../src/jobs/model/runtime';
import { cancelRun, deleteRun, rerun } from '../../../src/jobs/runActions';
import { loadRunCurves } from '../../../src/jobs/runCurvesLoader';
import type { RunStore } from '../../../src/jobs/runStore';
import { submitRun } from '../../../src/jobs/submit';
import { createTestNamespace, deleteTestNamespace, sandboxKubeConfig, waitFor } from '../sandbox';
import { execEnv, sandboxSpec, session, startStore, type StateRecorder } from './jobsHarness';

describe('jobs: training runs on the sandbox', function () {
  this.timeout(120_000);
  const admin = sandboxKubeConfig('admin');
  const core = admin.makeApiClient(k8s.CoreV1Api);
  const batch = admin.makeApiClient(k8s.BatchV1Api);
  let namespace: string;
  let developer: KubeSession;
  let store: RunStore;
  let recorder: StateRecorder;
  let watchErrors: unknown[];

  before(async () => {
    namespace = await createTestNamespace('jobs');
    // Our pods must pass the "restricted" Pod Security Standard: enforce it here.
    await core.patchNamespace(
      {
        name: namespace,
        body: { metadata: { labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } },
      },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    developer = session(namespace, 'developer');
    ({ store, recorder, errors: watchErrors } = await startStore(developer, NO_CAPABILITIES));
  });

  after(async () => {
    recorder?.dispose();
    store?.dispose();
    developer?.dispose();
    if (namespace) await deleteTestNamespace(namespace);
  });

  it('runs a single-worker Job to completion, and the watched view goes pending -> running -> succeeded', async () => {
    const result = await submitRun(developer, {
      spec: sandboxSpec('single', { gpusPerWorker: 1 }, 4),
      namespace,
      capabilities: NO_CAPABILITIES,
    });
    assert.equal(result.runtime, 'job');
    assert.deepEqual(result.applied, [`Job ${namespace}/single`]);
    const view = await recorder.waitForState('single', 'succeeded');
    assert.deepEqual(
      recorder.states.get('single')?.filter((state) => state !== 'pending'),
      ['running', 'succeeded'],
    );
    assert.equal(view.workers, 1);
    assert.equal(view.gpusPerWorker, 1);
    assert.ok(
      view.startedAt &&
        view.finishedAt &&
        view.finishedAt.getTime() - view.startedAt.getTime() >= 3000,
      'duration covers the run',
    );
    assert.ok(
      recorder.finished.some((finished) => finished.name === 'single'),
      'the end of the run was announced once',
    );
    const job = await batch.readNamespacedJob({ namespace, name: 'single' });
    assert.equal(job.metadata?.labels?.['app.kubernetes.io/managed-by'], 'kube-ml-workbench');
    assert.equal(
      job.metadata?.managedFields?.some(
        (field) => field.manager === 'kube-ml-workbench' && field.operation === 'Apply',
      ),
      true,
      'server-side applied',
    );
    assert.deepEqual(watchErrors, []);
  });

  it('gives each worker of a 2-worker Indexed Job the torchrun rendezvous environment', async () => {
    const result = await submitRun(developer, {
      spec: sandboxSpec('ddp', { workers: 2, gpusPerWorker: 2 }, 30),
      namespace,
      capabilities: NO_CAPABILITIES,
    });
    assert.equal(result.runtime, 'indexedJob');
    assert.deepEqual(result.applied, [`Job ${namespace}/ddp`, `Service ${namespace}/ddp`]);
    await recorder.waitForState('ddp', 'running');
    const pods = await waitFor(
      async () => {
        const list = (
          await core.listNamespacedPod({ namespace, labelSelector: 'kube-ml.dev/run=ddp' })
        ).items;
        return list.length === 2 && list.every((pod) => pod.status?.phase === 'Running')
          ? list
          : undefined;
      },
      30_000,
      'both ddp workers running',
    );
    const ranks: string[] = [];
    for (const pod of pods) {
      const env = await execEnv(admin, namespace, pod.metadata!.name!, 'trainer');
      assert.equal(env.get('MASTER_ADDR'), 'ddp-0.ddp');
      assert.equal(env.get('MASTER_PORT'), '29500');
      assert.equal(env.get('WORLD_SIZE'), '2');
      assert.equal(env.get('PET_NNODES'), '2');
      assert.equal(env.get('PET_NPROC_PER_NODE'), '2');
      const index = pod.metadata?.annotations?.['batch.kubernetes.io/job-completion-index'];
      assert.equal(env.get('RANK'), index, `RANK of ${pod.metadata?.name}`);
      assert.equal(env.get('NODE_RANK'), index);
      ranks.push(env.get('RANK') ?? '');
      assert.equal(pod.spec?.hostname, `ddp-${index}`);
      assert.equal(pod.spec?.subdomain, 'ddp');
    }
    assert.deepEqual(ranks.sort(), ['0', '1']);
    const service = await core.readNamespacedService({ namespace, name: 'ddp' });
    assert.equal(service.spec?.clusterIP, 'None');
    assert.equal(
      service.metadata?.ownerReferences?.[0]?.name,
      'ddp',
      'deleting the run deletes the Service',
    );
    const view = store.get('ddp')!;
    assert.equal(view.runningWorkers, 2);
    assert.equal(view.reason, '2/2 workers running');
  });

  it('explains from FailedScheduling why 9 H100 GPUs per worker cannot fit', async () => {
    await submitRun(developer, {
      spec: sandboxSpec('too-big', { gpusPerWorker: 9, gpuProduct: 'NVIDIA-H100-80GB-HBM3' }),
      namespace,
      capabilities: NO_CAPABILITIES,
    });
    const view = await waitFor(
      () => {
        const current = store.get('too-big');
        return current?.state === 'pending' && current.reason?.startsWith('No node')
          ? current
          : undefined;
      },
      45_000,
      'too-big to be explained as unschedulable',
    );
    assert.match(
      view.reason!,
      /^No node with 9 free NVIDIA-H100-80GB-HBM3 GPUs: the largest NVIDIA-H100-80GB-HBM3 node has only 8 in all/,
    );
    assert.match(view.reason!, /free now: .*NVIDIA-H100-80GB-HBM3 on /);
    assert.match(view.reason!, /Scheduler: 0\/\d+ nodes are available/);
    await deleteRun(developer, { namespace, name: 'too-big', runtime: 'job' });
  });

  it('reports a failing worker as failed with BackoffLimitExceeded and its exit code', async () => {
    await submitRun(developer, {
      spec: sandboxSpec('crash', {}, 2, 3),
      namespace,
      capabilities: NO_CAPABILITIES,
    });
    const view = await recorder.waitForState('crash', 'failed');
    assert.match(view.reason!, /^BackoffLimitExceeded: crash-\w+ exited with code 3$/);
  });

  it('cancels a running run (keeping it) and re-runs it with the same packed code', async () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'kubeml-code-'));
    fs.writeFileSync(path.join(folder, 'train.py'), 'print("training")\n');
    fs.mkdirSync(path.join(folder, '__pycache__'));
    fs.writeFileSync(path.join(folder, '__pycache__', 'train.cpython-312.pyc'), 'ignored');
    try {
      const packed = await packLocalFolder(folder, 8);
      assert.equal(packed.files, 1, 'caches are not packed');
      const spec = sandboxSpec('long', { code: { kind: 'packedFolder', localPath: folder } }, 90);
      const result = await submitRun(developer, {
        spec,
        namespace,
        capabilities: NO_CAPABILITIES,
        codeParts: packed.parts,
      });
      assert.deepEqual(result.applied, [
        `Secret ${namespace}/long-code-0`,
        `Job ${namespace}/long`,
      ]);
      await recorder.waitForState('long', 'running');
      await cancelRun(developer, { namespace, name: 'long', runtime: 'job' });
      const cancelled = await recorder.waitForState('long', 'failed');
      assert.equal(cancelled.reason, 'Cancelled');
      await waitFor(
        async () =>
          (
            await core.listNamespacedPod({ namespace, labelSelector: 'kube-ml.dev/run=long' })
          ).items.every(
            (pod) => pod.metadata?.deletionTimestamp || pod.status?.phase !== 'Running',
          ),
        30_000,
        'the cancelled pods to stop',
      );
      assert.ok(
        await batch.readNamespacedJob({ namespace, name: 'long' }),
        'the cancelled run is kept',
      );

      const again = await rerun(
        developer,
        { namespace, name: 'long', runtime: 'job' },
        new Set(store.list().map((view) => view.name)),
        NO_CAPABILITIES,
      );
      assert.equal(again.name, 'long-r2');
      const copied = await core.readNamespacedSecret({ namespace, name: 'long-r2-code-0' });
      assert.equal(
        copied.data?.part,
        Buffer.from(packed.parts[0]!).toString('base64'),
        'the re-run ships the same code',
      );
      assert.equal(copied.metadata?.ownerReferences?.[0]?.name, 'long-r2');
      await recorder.waitForState('long-r2', 'running');
      const job = await batch.readNamespacedJob({ namespace, name: 'long-r2' });
      assert.equal(job.spec?.template.spec?.initContainers?.[0]?.name, 'unpack-code');
      await deleteRun(developer, { namespace, name: 'long-r2', runtime: 'job' });
      await waitFor(
        () => store.get('long-r2') === undefined,
        30_000,
        'long-r2 to leave the view after delete',
      );
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });

  it('reads two runs\u2019 logs into training-curve series for Compare Runs', async () => {
    await submitRun(developer, {
      spec: sandboxSpec('curve-b', {}, 6),
      namespace,
      capabilities: NO_CAPABILITIES,
    });
    await recorder.waitForState('curve-b', 'succeeded');
    const curves = await loadRunCurves(developer, [
      { namespace, name: 'single', runtime: 'job' },
      { namespace, name: 'curve-b', runtime: 'job' },
    ]);
    assert.deepEqual(
      curves.map((curve) => curve.run),
      ['single', 'curve-b'],
    );
    for (const curve of curves) {
      assert.equal(curve.note, undefined, `${curve.run}: ${curve.note}`);
      const loss = curve.metrics.loss!;
      assert.ok(
        loss.steps.length >= 2,
        `${curve.run} has a loss curve (${loss.steps.length} points)`,
      );
      assert.equal(loss.steps.length, loss.values.length);
      assert.ok(loss.values.every((value) => Number.isFinite(value) && value > 0));
      assert.ok(curve.metrics.learning_rate, 'learning rate is parsed too');
    }
  });

  it('checks permissions before creating anything', async () => {
    const outsider = session('ml-restricted', 'developer');
    try {
      await assert.rejects(
        submitRun(outsider, {
          spec: sandboxSpec('denied'),
          namespace: 'ml-restricted',
          capabilities: NO_CAPABILITIES,
        }),
        (error: unknown) =>
          error instanceof KubeMlError &&
          error.kind === 'forbidden' &&
          /create/.test(error.message) &&
          /jobs/.test(error.message),
      );
      await assert.rejects(
        batch.readNamespacedJob({ namespace: 'ml-restricted', name: 'denied' }),
        (error: { code?: number }) => error.code === 404,
      );
    } finally {
      outsider.dispose();
    }
  });
});
