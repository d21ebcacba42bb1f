import * as assert from 'node:assert/strict';
import {
  devPodManifest,
  ownerLabelValue,
  sharedMemorySize,
  workspaceClaimManifest,
} from '../../../src/devPods/model/manifests';
import { decodeDefinition, encodeDefinition } from '../../../src/devPods/model/definition';
import { spec } from './fixtures';

const context = { now: '2026-11-29T10:00:00.000Z', owner: 'alice' };

describe('devPods/model/manifests', () => {
  it('labels the pod as ours, with the dev pod name and owner, and the idle annotations', () => {
    const pod = devPodManifest(spec(), context);
    assert.deepEqual(pod.metadata?.labels, {
      'app.kubernetes.io/managed-by': 'kube-ml-workbench',
      'kube-ml.dev/devpod': 'llm-dev',
      'kube-ml.dev/owner': 'alice',
    });
    assert.equal(pod.metadata?.annotations?.['kube-ml.dev/idle-minutes'], '60');
    assert.equal(
      pod.metadata?.annotations?.['kube-ml.dev/last-activity'],
      '2026-11-29T10:00:00.000Z',
    );
    assert.equal(pod.metadata?.name, 'llm-dev');
    assert.equal(pod.metadata?.namespace, 'ml-team');
  });

  it('requests GPUs as limits == requests, tolerates the GPU taint and selects the product', () => {
    const pod = devPodManifest(spec(), context);
    const resources = pod.spec?.containers[0].resources;
    assert.equal(resources?.limits?.['nvidia.com/gpu'], '2');
    assert.equal(resources?.requests?.['nvidia.com/gpu'], '2');
    assert.equal(resources?.requests?.cpu, '16');
    assert.equal(resources?.limits?.memory, '128Gi');
    assert.equal(resources?.limits?.cpu, undefined);
    assert.deepEqual(pod.spec?.tolerations, [
      { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' },
    ]);
    assert.deepEqual(pod.spec?.nodeSelector, { 'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3' });
  });

  it('a CPU-only pod has no GPU resources, toleration or selector', () => {
    const pod = devPodManifest(spec({ gpu: undefined, cpu: '2', memory: '8Gi' }), context);
    assert.equal(pod.spec?.containers[0].resources?.limits?.['nvidia.com/gpu'], undefined);
    assert.equal(pod.spec?.tolerations, undefined);
    assert.equal(pod.spec?.nodeSelector, undefined);
  });

  it('any-product GPU pods tolerate the taint without a product selector', () => {
    const pod = devPodManifest(spec({ gpu: { count: 1 } }), context);
    assert.equal(pod.spec?.tolerations?.length, 1);
    assert.equal(pod.spec?.nodeSelector, undefined);
  });

  it('passes the restricted Pod Security Standard fields by default', () => {
    const pod = devPodManifest(spec(), context);
    const podContext = pod.spec?.securityContext;
    assert.equal(podContext?.runAsNonRoot, true);
    assert.equal(typeof podContext?.runAsUser, 'number');
    assert.notEqual(podContext?.runAsUser, 0);
    assert.equal(podContext?.seccompProfile?.type, 'RuntimeDefault');
    for (const container of pod.spec?.containers ?? []) {
      assert.equal(container.securityContext?.allowPrivilegeEscalation, false);
      assert.deepEqual(container.securityContext?.capabilities?.drop, ['ALL']);
      assert.equal(container.securityContext?.capabilities?.add, undefined);
      assert.equal(container.securityContext?.privileged, undefined);
      assert.equal(container.securityContext?.runAsNonRoot, true);
    }
    // restricted allows only these volume types
    for (const volume of pod.spec?.volumes ?? []) {
      assert.ok(
        volume.persistentVolumeClaim || volume.emptyDir,
        `volume ${volume.name} is PVC or emptyDir`,
      );
    }
    assert.equal(pod.spec?.hostNetwork, undefined);
    assert.equal(pod.spec?.hostPID, undefined);
    assert.equal(pod.spec?.automountServiceAccountToken, false);
  });

  it('drops the non-root settings when the user opts out of restricted security', () => {
    const pod = devPodManifest(spec({ restrictedPodSecurity: false }), context);
    assert.equal(pod.spec?.securityContext?.runAsNonRoot, undefined);
    assert.equal(pod.spec?.securityContext?.runAsUser, undefined);
    assert.equal(pod.spec?.containers[0].securityContext?.capabilities, undefined);
  });

  it('mounts the workspace claim and a memory-backed /dev/shm sized to a quarter of memory', () => {
    const pod = devPodManifest(spec(), context);
    const volumes = pod.spec?.volumes ?? [];
    assert.equal(
      volumes.find((volume) => volume.name === 'workspace')?.persistentVolumeClaim?.claimName,
      'llm-dev-workspace',
    );
    const shm = volumes.find((volume) => volume.name === 'dshm');
    assert.equal(shm?.emptyDir?.medium, 'Memory');
    assert.equal(shm?.emptyDir?.sizeLimit, '32Gi');
    assert.deepEqual(
      pod.spec?.containers[0].volumeMounts?.map((mount) => mount.mountPath),
      ['/workspace', '/dev/shm'],
    );
    assert.equal(sharedMemorySize('2Gi'), '1Gi');
  });

  it('the workspace claim carries the definition so Resume recreates the same pod', () => {
    const claim = workspaceClaimManifest(
      spec({ workspace: { size: '100Gi', storageClass: 'fast' } }),
      context,
    );
    assert.equal(claim.metadata?.name, 'llm-dev-workspace');
    assert.deepEqual(claim.spec?.accessModes, ['ReadWriteOnce']);
    assert.equal(claim.spec?.resources?.requests?.storage, '100Gi');
    assert.equal(claim.spec?.storageClassName, 'fast');
    assert.equal(claim.metadata?.labels?.['kube-ml.dev/devpod'], 'llm-dev');
    const decoded = decodeDefinition(
      claim.metadata?.annotations?.['kube-ml.dev/definition'],
      'ml-team',
    );
    assert.ok('spec' in decoded);
    assert.deepEqual(
      devPodManifest(decoded.spec, context),
      devPodManifest(spec({ workspace: { size: '100Gi', storageClass: 'fast' } }), context),
    );
  });

  it('omits storageClassName for the cluster default', () => {
    assert.equal('storageClassName' in (workspaceClaimManifest(spec(), context).spec ?? {}), false);
  });

  it('decodeDefinition explains unusable definitions', () => {
    assert.match(
      (decodeDefinition(undefined, 'ns') as { problem: string }).problem,
      /carries no dev pod definition/,
    );
    assert.match((decodeDefinition('{', 'ns') as { problem: string }).problem, /not valid JSON/);
    assert.match(
      (decodeDefinition('{"version":2,"spec":{}}', 'ns') as { problem: string }).problem,
      /version 2/,
    );
    const moved = decodeDefinition(encodeDefinition(spec()), 'other-ns');
    assert.ok('spec' in moved && moved.spec.namespace === 'other-ns');
  });

  it('turns user names into label values', () => {
    assert.equal(
      ownerLabelValue('system:serviceaccount:ml-team:developer'),
      'system.serviceaccount.ml-team.developer',
    );
    assert.equal(ownerLabelValue('alice@example.com'), 'alice.example.com');
    assert.equal(ownerLabelValue('::'), undefined);
    assert.equal(ownerLabelValue('x'.repeat(80))?.length, 63);
  });
});
