import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { Writable } from 'node:stream';
import * as k8s from '@kubernetes/client-node';
import {
  createTestNamespace,
  deleteTestNamespace,
  sandboxKubeConfig,
  waitFor,
  waitForPodPhase,
} from '../sandbox';
import { trainingPod } from './testPods';

async function execOutput(
  kubeConfig: k8s.KubeConfig,
  namespace: string,
  pod: string,
  script: string,
): Promise<string> {
  let stdout = '';
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      stdout += chunk.toString('utf8');
      done();
    },
  });
  const status = await new Promise<k8s.V1Status>((resolve, reject) => {
    new k8s.Exec(kubeConfig)
      .exec(namespace, pod, 'main', ['bash', '-c', script], sink, null, null, false, resolve)
      .catch(reject);
  });
  assert.equal(status.status, 'Success', status.message);
  return stdout;
}

describe('sandbox: persistent volumes', () => {
  const kubeConfig = sandboxKubeConfig('admin');
  const core = kubeConfig.makeApiClient(k8s.CoreV1Api);
  let namespace = '';

  before(async () => {
    namespace = await createTestNamespace('sandbox-pvc');
  });
  after(async () => {
    await deleteTestNamespace(namespace);
  });

  const podWithClaim = (): k8s.V1Pod => {
    const pod = trainingPod('notebook', 0, {
      volumes: [{ name: 'work', persistentVolumeClaim: { claimName: 'workspace' } }],
    });
    pod.spec!.containers[0].volumeMounts = [{ name: 'work', mountPath: '/workspace' }];
    return pod;
  };

  it('binds a claim, keeps files written through exec across pod recreation, and removes them with the claim', async () => {
    await core.createNamespacedPersistentVolumeClaim({
      namespace,
      body: {
        metadata: { name: 'workspace' },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '5Gi' } } },
      },
    });
    const claim = await waitFor(
      async () => {
        const current = await core.readNamespacedPersistentVolumeClaim({
          namespace,
          name: 'workspace',
        });
        return current.status?.phase === 'Bound' ? current : undefined;
      },
      15000,
      'the claim to be Bound',
    );
    assert.equal(
      claim.spec?.storageClassName,
      'sandbox-hostpath',
      'the default StorageClass was applied',
    );
    const volume = await core.readPersistentVolume({ name: claim.spec?.volumeName ?? '' });
    assert.equal(volume.spec?.capacity?.storage, '5Gi');
    const folder = volume.spec?.hostPath?.path ?? '';
    assert.ok(fs.existsSync(folder), folder);

    await core.createNamespacedPod({ namespace, body: podWithClaim() });
    await waitForPodPhase(namespace, 'notebook');
    const pwd = await waitFor(
      () => execOutput(kubeConfig, namespace, 'notebook', 'echo "epoch 3" > checkpoint.txt && pwd'),
      15000,
      'exec in notebook',
    );
    assert.equal(pwd.trim(), folder);

    await core.deleteNamespacedPod({ namespace, name: 'notebook', gracePeriodSeconds: 0 });
    await waitFor(
      async () => {
        try {
          await core.readNamespacedPod({ namespace, name: 'notebook' });
          return false;
        } catch (error) {
          return (error as { code?: number }).code === 404;
        }
      },
      30000,
      'the pod to be gone',
    );
    await core.createNamespacedPod({ namespace, body: podWithClaim() });
    await waitForPodPhase(namespace, 'notebook');
    const content = await waitFor(
      () => execOutput(kubeConfig, namespace, 'notebook', 'cat checkpoint.txt'),
      15000,
      'exec in the recreated pod',
    );
    assert.equal(content.trim(), 'epoch 3');

    await core.deleteNamespacedPod({ namespace, name: 'notebook', gracePeriodSeconds: 0 });
    await core.deleteNamespacedPersistentVolumeClaim({ namespace, name: 'workspace' });
    await waitFor(
      () => !fs.existsSync(folder),
      30000,
      'the volume folder to be deleted with the claim',
    );
  });
});
