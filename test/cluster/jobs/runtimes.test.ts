import * as assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import type { KubeSession } from '../../../src/cluster/kubeSession';
import type { CustomObject } from '../../../src/jobs/model/manifests';
import { submitRun } from '../../../src/jobs/submit';
import { createTestNamespace, deleteTestNamespace, sandboxKubeConfig, waitFor } from '../sandbox';
import {
  installCrd,
  sandboxSpec,
  session,
  startStore,
  uninstallCrd,
  waitForCapabilities,
} from './jobsHarness';

type Loose = CustomObject & { spec: Record<string, unknown> };

describe('jobs: Kubeflow and Kueue runtimes chosen by API discovery (CRDs installed by the test)', function () {
  this.timeout(120_000);
  const admin = sandboxKubeConfig('admin');
  const custom = admin.makeApiClient(k8s.CustomObjectsApi);
  const batch = admin.makeApiClient(k8s.BatchV1Api);
  let namespace: string;
  let adminSession: KubeSession;

  before(async () => {
    namespace = await createTestNamespace('jobs-crd');
    adminSession = session(namespace, 'admin');
  });

  after(async () => {
    adminSession?.dispose();
    for (const crd of [
      'pytorchjobs.kubeflow.org',
      'trainjobs.trainer.kubeflow.org',
      'workloads.kueue.x-k8s.io',
      'localqueues.kueue.x-k8s.io',
    ])
      await uninstallCrd(crd);
    if (namespace) await deleteTestNamespace(namespace);
  });

  it('submits a PyTorchJob when its CRD is served, and follows its status through the watch', async () => {
    await installCrd('kubeflow.org', 'v1', 'PyTorchJob', 'pytorchjobs');
    const capabilities = await waitForCapabilities(
      admin,
      (found) => found.pytorchJob,
      'discovery to serve pytorchjobs',
    );
    assert.equal(capabilities.trainJob, false);
    const { store, recorder } = await startStore(adminSession, capabilities);
    try {
      const result = await submitRun(adminSession, {
        spec: sandboxSpec('pt', { workers: 3, gpusPerWorker: 4 }),
        namespace,
        capabilities,
      });
      assert.equal(result.runtime, 'pytorchJob');
      assert.match(result.reason, /PyTorchJob CRD/);
      const job = (await custom.getNamespacedCustomObject({
        group: 'kubeflow.org',
        version: 'v1',
        namespace,
        plural: 'pytorchjobs',
        name: 'pt',
      })) as Loose;
      assert.equal(job.kind, 'PyTorchJob');
      assert.equal(job.metadata?.labels?.['kube-ml.dev/run'], 'pt');
      assert.equal(job.spec.nprocPerNode, '4');
      const replicas = job.spec.pytorchReplicaSpecs as Record<
        string,
        { replicas: number; template: k8s.V1PodTemplateSpec }
      >;
      assert.equal(replicas.Master?.replicas, 1);
      assert.equal(replicas.Worker?.replicas, 2);
      const container = replicas.Worker!.template.spec!.containers[0]!;
      assert.equal(container.name, 'pytorch');
      assert.deepEqual(container.command, ['torchrun', 'train.py']);
      assert.equal(container.resources?.limits?.['nvidia.com/gpu'], '4');
      assert.equal(container.securityContext?.allowPrivilegeEscalation, false);
      await recorder.waitForState('pt', 'pending');
      // Stand in for the operator: report success the way the training operator does.
      await custom.patchNamespacedCustomObjectStatus(
        {
          group: 'kubeflow.org',
          version: 'v1',
          namespace,
          plural: 'pytorchjobs',
          name: 'pt',
          body: {
            status: {
              conditions: [{ type: 'Succeeded', status: 'True', reason: 'PyTorchJobSucceeded' }],
              completionTime: new Date().toISOString(),
            },
          },
        },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );
      await recorder.waitForState('pt', 'succeeded');
      assert.equal(store.get('pt')?.workers, 3);
    } finally {
      recorder.dispose();
      store.dispose();
    }
  });

  it('prefers a TrainJob once the Kubeflow Trainer CRD is served too', async () => {
    await installCrd('trainer.kubeflow.org', 'v1alpha1', 'TrainJob', 'trainjobs');
    const capabilities = await waitForCapabilities(
      admin,
      (found) => found.trainJob && found.pytorchJob,
      'discovery to serve trainjobs',
    );
    const result = await submitRun(adminSession, {
      spec: sandboxSpec('tj', { workers: 2, gpusPerWorker: 8 }),
      namespace,
      capabilities,
    });
    assert.equal(result.runtime, 'trainJob');
    const job = (await custom.getNamespacedCustomObject({
      group: 'trainer.kubeflow.org',
      version: 'v1alpha1',
      namespace,
      plural: 'trainjobs',
      name: 'tj',
    })) as Loose;
    assert.equal((job.spec.runtimeRef as { name: string }).name, 'torch-distributed');
    const trainer = job.spec.trainer as {
      numNodes: number;
      numProcPerNode: number;
      resourcesPerNode: { limits: Record<string, string> };
    };
    assert.equal(trainer.numNodes, 2);
    assert.equal(trainer.numProcPerNode, 8);
    assert.equal(trainer.resourcesPerNode.limits['nvidia.com/gpu'], '8');
    // One worker stays a plain Job whatever is installed.
    assert.equal(
      (await submitRun(adminSession, { spec: sandboxSpec('solo'), namespace, capabilities }))
        .runtime,
      'job',
    );
  });

  it('labels the run with its Kueue queue and shows the admission state while it waits', async () => {
    await installCrd('kueue.x-k8s.io', 'v1beta1', 'Workload', 'workloads');
    await installCrd('kueue.x-k8s.io', 'v1beta1', 'LocalQueue', 'localqueues');
    const capabilities = await waitForCapabilities(
      admin,
      (found) => found.kueue,
      'discovery to serve Kueue',
    );
    const { store, recorder, errors } = await startStore(adminSession, capabilities);
    try {
      await submitRun(adminSession, {
        spec: sandboxSpec('queued', { queue: 'team-a' }, 3),
        namespace,
        capabilities,
      });
      const job = await batch.readNamespacedJob({ namespace, name: 'queued' });
      assert.equal(job.metadata?.labels?.['kueue.x-k8s.io/queue-name'], 'team-a');
      assert.equal(job.spec?.suspend, true);
      // Stand in for Kueue: a Workload owned by the Job that has no quota yet.
      const workload = {
        apiVersion: 'kueue.x-k8s.io/v1beta1',
        kind: 'Workload',
        metadata: {
          name: 'job-queued',
          namespace,
          ownerReferences: [
            { apiVersion: 'batch/v1', kind: 'Job', name: 'queued', uid: job.metadata!.uid! },
          ],
        },
        spec: { queueName: 'team-a' },
      };
      await custom.createNamespacedCustomObject({
        group: 'kueue.x-k8s.io',
        version: 'v1beta1',
        namespace,
        plural: 'workloads',
        body: workload,
      });
      const statusPatch = (conditions: object[]) =>
        custom.patchNamespacedCustomObjectStatus(
          {
            group: 'kueue.x-k8s.io',
            version: 'v1beta1',
            namespace,
            plural: 'workloads',
            name: 'job-queued',
            body: { status: { conditions } },
          },
          k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
        );
      const now = new Date().toISOString();
      await statusPatch([
        {
          type: 'QuotaReserved',
          status: 'False',
          reason: 'Pending',
          message:
            "couldn't assign flavors to pod set main: insufficient unused quota for nvidia.com/gpu in flavor h100, 8 more needed",
          lastTransitionTime: now,
        },
      ]);
      const explained = await waitFor(
        () =>
          store.get('queued')?.reason?.includes('insufficient') ? store.get('queued') : undefined,
        30_000,
        `the queue message in the view (reason: ${store.get('queued')?.reason}; watch errors: ${errors.join('; ')})`,
      );
      assert.equal(explained.state, 'queued');
      assert.equal(explained.queue, 'team-a');
      assert.equal(
        explained.reason,
        "waiting in queue team-a: couldn't assign flavors to pod set main: insufficient unused quota for nvidia.com/gpu in flavor h100, 8 more needed",
      );
      // Admission: Kueue marks the Workload admitted and unsuspends the Job.
      await statusPatch([
        {
          type: 'QuotaReserved',
          status: 'True',
          reason: 'QuotaReserved',
          message: 'ok',
          lastTransitionTime: now,
        },
        {
          type: 'Admitted',
          status: 'True',
          reason: 'Admitted',
          message: 'ok',
          lastTransitionTime: now,
        },
      ]);
      await batch.patchNamespacedJob(
        { namespace, name: 'queued', body: { spec: { suspend: false } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );
      await recorder.waitForState('queued', 'succeeded');
      assert.deepEqual(
        recorder.states.get('queued')?.filter((state) => state !== 'pending'),
        ['queued', 'running', 'succeeded'],
      );
    } finally {
      recorder.dispose();
      store.dispose();
    }
  });
});
