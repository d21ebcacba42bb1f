import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { Writable } from 'node:stream';
import * as k8s from '@kubernetes/client-node';
import { createTestNamespace, deleteTestNamespace, sandboxKubeConfig, waitFor } from '../sandbox';
import {
  createDevPod,
  deleteDevPod,
  resumeDevPod,
  stopDevPod,
} from '../../../src/devPods/lifecycle';
import { ensureIdleReaper } from '../../../src/devPods/idleReaperInstall';
import { IDLE_REAPER_NAME, IDLE_REAPER_SCRIPT } from '../../../src/devPods/model/idleReaper';
import { defaultResourcesFor, type DevPodSpec } from '../../../src/devPods/model/spec';
import { isKubeMlError, type KubeMlError } from '../../../src/cluster/errors';
import type { AccessQuery } from '../../../src/cluster/session';
import type { StartProgress } from '../../../src/devPods/model/startProgress';

const H100 = 'NVIDIA-H100-80GB-HBM3';

function devPodSpec(
  namespace: string,
  name: string,
  gpus: number,
  overrides: Partial<DevPodSpec> = {},
): DevPodSpec {
  return {
    name,
    namespace,
    ...(gpus > 0 ? { gpu: { product: H100, count: gpus } } : {}),
    image: 'pytorch/pytorch:2.4.1-cuda12.4-cudnn9-runtime',
    imagePreset: 'pytorch',
    ...defaultResourcesFor(gpus),
    workspace: { size: '1Gi' },
    idleMinutes: 60,
    restrictedPodSecurity: true,
    ...overrides,
  };
}

async function rejection(promise: Promise<unknown>): Promise<KubeMlError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(isKubeMlError(error), `expected a KubeMlError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a rejection');
}

function canAs(kubeConfig: k8s.KubeConfig) {
  const authorization = kubeConfig.makeApiClient(k8s.AuthorizationV1Api);
  return async (query: AccessQuery): Promise<boolean> => {
    const review = await authorization.createSelfSubjectAccessReview({
      body: { spec: { resourceAttributes: { ...query } } },
    });
    return review.status?.allowed === true;
  };
}

async function execInPod(
  kubeConfig: k8s.KubeConfig,
  namespace: string,
  pod: string,
  script: string,
): Promise<string> {
  let output = '';
  const stdout = new Writable({
    write(chunk, _encoding, done) {
      output += String(chunk);
      done();
    },
  });
  const stderr = new Writable({
    write(_chunk, _encoding, done) {
      done();
    },
  });
  await new Promise<void>((resolve, reject) => {
    new k8s.Exec(kubeConfig)
      .exec(
        namespace,
        pod,
        'workspace',
        ['bash', '-c', script],
        stdout,
        stderr,
        null,
        false,
        (status) => {
          if (status.status === 'Success') resolve();
          else reject(new Error(`exec failed: ${JSON.stringify(status)}`));
        },
      )
      .catch(reject);
  });
  return output;
}

describe('devPods (cluster)', function () {
  this.timeout(120_000);
  const admin = sandboxKubeConfig('admin');
  const developer = sandboxKubeConfig('developer');
  const core = admin.makeApiClient(k8s.CoreV1Api);
  let namespace: string;

  before(async () => {
    namespace = await createTestNamespace('devpods');
    // Created first so they are past their 1-minute idle limit by the time the reaper test runs.
    await createDevPod(admin, devPodSpec(namespace, 'idle-one', 0, { idleMinutes: 1 }));
    await createDevPod(admin, devPodSpec(namespace, 'busy-one', 0, { idleMinutes: 1 }));
  });
  after(async () => {
    await deleteTestNamespace(namespace);
  });

  it('creates a 2-GPU H100 dev pod that runs on an H100 node with a Bound workspace, reporting progress', async () => {
    const steps: StartProgress[] = [];
    const result = await createDevPod(admin, devPodSpec(namespace, 'h100-pair', 2), {
      onProgress: (progress) => steps.push(progress),
    });
    assert.equal(result.progress.stage, 'running');
    const node = await core.readNode({ name: result.node ?? '' });
    assert.equal(node.metadata?.labels?.['nvidia.com/gpu.product'], H100);
    const pod = await core.readNamespacedPod({ namespace, name: 'h100-pair' });
    assert.equal(pod.status?.phase, 'Running');
    assert.equal(pod.spec?.containers[0].resources?.limits?.['nvidia.com/gpu'], '2');
    assert.equal(pod.metadata?.labels?.['app.kubernetes.io/managed-by'], 'kube-ml-workbench');
    assert.ok(
      steps.some(
        (step) => step.stage === 'running' && step.message === `Running on ${result.node}`,
      ),
    );
    const claim = await waitFor(
      async () => {
        const found = await core.readNamespacedPersistentVolumeClaim({
          namespace,
          name: 'h100-pair-workspace',
        });
        return found.status?.phase === 'Bound' ? found : undefined;
      },
      30_000,
      'the workspace PVC to be Bound',
    );
    assert.equal(claim.spec?.resources?.requests?.storage, '1Gi');
    assert.ok(result.submitMs <= result.runningMs);
  });

  it('re-running create from the same definition is idempotent (server-side apply)', async () => {
    const before = await core.readNamespacedPod({ namespace, name: 'h100-pair' });
    const again = await createDevPod(admin, devPodSpec(namespace, 'h100-pair', 2));
    assert.equal(again.progress.stage, 'running');
    const after = await core.readNamespacedPod({ namespace, name: 'h100-pair' });
    assert.equal(after.metadata?.uid, before.metadata?.uid);
  });

  it('keeps a file written through exec across stop and resume', async () => {
    await execInPod(admin, namespace, 'h100-pair', 'echo "weights-v1" > notes.txt');
    await stopDevPod(admin, namespace, 'h100-pair', 'stopped by test');
    await assert.rejects(
      core.readNamespacedPod({ namespace, name: 'h100-pair' }),
      (error: { code?: number }) => error.code === 404,
    );
    const stoppedClaim = await core.readNamespacedPersistentVolumeClaim({
      namespace,
      name: 'h100-pair-workspace',
    });
    assert.equal(
      stoppedClaim.metadata?.annotations?.['kube-ml.dev/stopped-reason'],
      'stopped by test',
    );
    const resumed = await resumeDevPod(admin, namespace, 'h100-pair');
    assert.equal(resumed.progress.stage, 'running');
    const pod = await core.readNamespacedPod({ namespace, name: 'h100-pair' });
    assert.equal(pod.spec?.containers[0].resources?.limits?.['nvidia.com/gpu'], '2');
    assert.equal(pod.spec?.nodeSelector?.['nvidia.com/gpu.product'], H100);
    assert.equal(
      (await execInPod(admin, namespace, 'h100-pair', 'cat notes.txt')).trim(),
      'weights-v1',
    );
  });

  it('delete with keep-volume keeps the PVC (no longer a dev pod); without it removes the PVC', async () => {
    await deleteDevPod(admin, namespace, 'h100-pair', { keepVolume: true });
    await waitFor(
      () =>
        core.readNamespacedPod({ namespace, name: 'h100-pair' }).then(
          () => false,
          (error: { code?: number }) => error.code === 404,
        ),
      30_000,
      'the pod to be deleted',
    );
    const kept = await core.readNamespacedPersistentVolumeClaim({
      namespace,
      name: 'h100-pair-workspace',
    });
    assert.equal(kept.metadata?.deletionTimestamp, undefined);
    assert.equal(kept.metadata?.labels?.['kube-ml.dev/devpod'], undefined);
    assert.equal(kept.metadata?.annotations?.['kube-ml.dev/kept-from-devpod'], 'h100-pair');

    await createDevPod(admin, devPodSpec(namespace, 'cpu-box', 0));
    await deleteDevPod(admin, namespace, 'cpu-box', { keepVolume: false });
    await waitFor(
      () =>
        core.readNamespacedPersistentVolumeClaim({ namespace, name: 'cpu-box-workspace' }).then(
          (claim) => Boolean(claim.metadata?.deletionTimestamp),
          (error: { code?: number }) => error.code === 404,
        ),
      30_000,
      'the PVC to be deleted',
    );
  });

  it('asking for 9 H100 GPUs explains where GPUs are free, from the real FailedScheduling event, and leaves nothing behind', async () => {
    const error = await rejection(
      createDevPod(admin, devPodSpec(namespace, 'too-big', 9, { cpu: '8', memory: '64Gi' })),
    );
    assert.equal(error.kind, 'noGpuCapacity');
    assert.match(
      error.summary,
      new RegExp(`no node with 9 free ${H100} GPUs; free GPUs are: .*${H100}: \\d+ of 16 free`),
    );
    assert.match(error.detail ?? '', /Insufficient nvidia\.com\/gpu/);
    await waitFor(
      () =>
        core.readNamespacedPod({ namespace, name: 'too-big' }).then(
          () => false,
          (e: { code?: number }) => e.code === 404,
        ),
      30_000,
      'the unschedulable pod to be removed',
    );
    await waitFor(
      () =>
        core.readNamespacedPersistentVolumeClaim({ namespace, name: 'too-big-workspace' }).then(
          (claim) => Boolean(claim.metadata?.deletionTimestamp),
          (e: { code?: number }) => e.code === 404,
        ),
      30_000,
      'the volume to be removed',
    );
  });

  it('a ResourceQuota gives a quota error that names the quota', async () => {
    const quotaNamespace = await createTestNamespace('devpods-quota');
    try {
      await core.createNamespacedResourceQuota({
        namespace: quotaNamespace,
        body: {
          metadata: { name: 'team-gpu-quota' },
          spec: { hard: { 'requests.nvidia.com/gpu': '1' } },
        },
      });
      await waitFor(
        async () =>
          (
            await core.readNamespacedResourceQuota({
              namespace: quotaNamespace,
              name: 'team-gpu-quota',
            })
          ).status?.hard,
        30_000,
        'the quota to be active',
      );
      const error = await rejection(
        createDevPod(admin, devPodSpec(quotaNamespace, 'over-quota', 2)),
      );
      assert.equal(error.kind, 'quotaExceeded');
      assert.match(error.summary, /"team-gpu-quota"/);
      assert.match(error.summary, /nvidia\.com\/gpu/);
      const claims = await core.listNamespacedPersistentVolumeClaim({ namespace: quotaNamespace });
      assert.deepEqual(
        claims.items
          .filter((claim) => !claim.metadata?.deletionTimestamp)
          .map((claim) => claim.metadata?.name),
        [],
      );
    } finally {
      await deleteTestNamespace(quotaNamespace);
    }
  });

  it('rejects an invalid name before any API call', async () => {
    const unreachable = new k8s.KubeConfig();
    unreachable.loadFromOptions({
      clusters: [{ name: 'c', server: 'https://127.0.0.1:1', skipTLSVerify: true }],
      users: [{ name: 'u', token: 'x' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u', namespace: 'ml-team' }],
      currentContext: 'x',
    });
    const error = await rejection(createDevPod(unreachable, devPodSpec('ml-team', 'Not_Valid', 1)));
    assert.equal(error.kind, 'invalidInput');
    assert.match(error.summary, /DNS-1123 label/);
  });

  it('ml-restricted (Pod Security "restricted") admits our pod; opting out shows the violated fields', async () => {
    const name = `restricted-${Date.now().toString(36)}`;
    try {
      const result = await createDevPod(admin, devPodSpec('ml-restricted', name, 1));
      assert.equal(result.progress.stage, 'running');
    } finally {
      await deleteDevPod(admin, 'ml-restricted', name, { keepVolume: false });
    }
    const refused = await rejection(
      createDevPod(
        admin,
        devPodSpec('ml-restricted', `${name}-root`, 1, { restrictedPodSecurity: false }),
      ),
    );
    assert.equal(refused.kind, 'podSecurity');
    assert.match(refused.summary, /runAsNonRoot|capabilities/);
    const leftover = await core.listNamespacedPersistentVolumeClaim({
      namespace: 'ml-restricted',
      labelSelector: `kube-ml.dev/devpod=${name}-root`,
    });
    assert.equal(leftover.items.filter((claim) => !claim.metadata?.deletionTimestamp).length, 0);
  });

  it('the developer identity can create in ml-team and gets the RBAC message where it may not', async () => {
    const name = `dev-${Date.now().toString(36)}`;
    try {
      const result = await createDevPod(developer, devPodSpec('ml-team', name, 0));
      assert.equal(result.progress.stage, 'running');
    } finally {
      await deleteDevPod(developer, 'ml-team', name, { keepVolume: false });
    }
    const forbidden = await rejection(
      createDevPod(developer, devPodSpec('ml-restricted', name, 0)),
    );
    assert.equal(forbidden.kind, 'forbidden');
    assert.match(forbidden.hint ?? '', /cannot (patch|get) resource "persistentvolumeclaims"/);
  });

  it('idle reaper: installed where allowed (not for the developer), and its script stops an idle dev pod', async () => {
    const refused = await ensureIdleReaper(developer, namespace, canAs(developer));
    assert.equal(refused.installed, false);
    assert.ok(!refused.installed && refused.missing.includes('roles.rbac.authorization.k8s.io'));
    const installed = await ensureIdleReaper(admin, namespace, canAs(admin));
    assert.deepEqual(installed, { installed: true });
    const cronJob = await admin
      .makeApiClient(k8s.BatchV1Api)
      .readNamespacedCronJob({ namespace, name: IDLE_REAPER_NAME });
    assert.equal(
      cronJob.spec?.jobTemplate.spec?.template.spec?.serviceAccountName,
      IDLE_REAPER_NAME,
    );

    const patch = (name: string, at: Date) =>
      core.patchNamespacedPod(
        {
          namespace,
          name,
          body: { metadata: { annotations: { 'kube-ml.dev/last-activity': at.toISOString() } } },
        },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );
    await patch('idle-one', new Date(Date.now() - 30 * 60_000));
    await patch('busy-one', new Date(Date.now() + 30 * 60_000));

    // Run the very same script the CronJob runs, as the reaper's ServiceAccount, against the sandbox API.
    const token = await core.createNamespacedServiceAccountToken({
      namespace,
      name: IDLE_REAPER_NAME,
      body: { spec: { audiences: [], expirationSeconds: 600 } },
    });
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'reaper-'));
    fs.writeFileSync(path.join(folder, 'token'), token.status?.token ?? '');
    const cluster = admin.getCurrentCluster();
    fs.writeFileSync(path.join(folder, 'ca.crt'), Buffer.from(cluster?.caData ?? '', 'base64'));
    // Idleness counts from the later of activity and start: the pod itself must be over a minute old.
    const podStart = new Date(
      (await core.readNamespacedPod({ namespace, name: 'idle-one' })).status?.startTime ??
        Date.now(),
    ).getTime();
    await waitFor(
      () => Date.now() - podStart >= 61_000,
      70_000,
      'the idle pod to be older than its 1 min limit',
      500,
    );
    const output = execFileSync('sh', ['-c', IDLE_REAPER_SCRIPT], {
      env: {
        ...process.env,
        KUBE_ML_API: cluster?.server,
        KUBE_ML_TOKEN_FILE: path.join(folder, 'token'),
        KUBE_ML_CA_FILE: path.join(folder, 'ca.crt'),
        KUBE_ML_NAMESPACE: namespace,
      },
      encoding: 'utf8',
    });
    fs.rmSync(folder, { recursive: true, force: true });
    assert.match(output, /stopping dev pod .*\/idle-one: idle for \d+ min, limit 1 min/);
    assert.match(output, /keeping dev pod .*\/busy-one/);
    await waitFor(
      () =>
        core.readNamespacedPod({ namespace, name: 'idle-one' }).then(
          (pod) => Boolean(pod.metadata?.deletionTimestamp),
          (e: { code?: number }) => e.code === 404,
        ),
      30_000,
      'the idle pod to be stopped',
    );
    const claim = await core.readNamespacedPersistentVolumeClaim({
      namespace,
      name: 'idle-one-workspace',
    });
    assert.match(
      claim.metadata?.annotations?.['kube-ml.dev/stopped-reason'] ?? '',
      /^idle for \d+ min$/,
    );
    assert.equal(
      (await core.readNamespacedPod({ namespace, name: 'busy-one' })).metadata?.deletionTimestamp,
      undefined,
    );
  });
});
