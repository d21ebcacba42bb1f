import * as assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import {
  createTestNamespace,
  deleteTestNamespace,
  sandboxKubeConfig,
  waitForPodPhase,
} from '../sandbox';
import { restrictedPod } from './testPods';

/** The message of the Status object an API error carries in its body. */
function statusMessage(error: { body?: unknown }): string {
  const body =
    typeof error.body === 'string'
      ? (JSON.parse(error.body) as { message?: string })
      : (error.body as { message?: string });
  return body?.message ?? '';
}

describe('sandbox: Pod Security and RBAC', () => {
  const admin = sandboxKubeConfig('admin');
  const developer = sandboxKubeConfig('developer');
  const createdInRestricted: string[] = [];

  after(async () => {
    const core = admin.makeApiClient(k8s.CoreV1Api);
    for (const name of createdInRestricted) {
      await core
        .deleteNamespacedPod({ namespace: 'ml-restricted', name, gracePeriodSeconds: 0 })
        .catch(() => undefined);
    }
  });

  it('ml-restricted rejects a privileged pod and names the violations', async () => {
    const core = admin.makeApiClient(k8s.CoreV1Api);
    const name = `privileged-${Date.now().toString(36)}`;
    await assert.rejects(
      core.createNamespacedPod({
        namespace: 'ml-restricted',
        body: {
          metadata: { name },
          spec: {
            containers: [
              { name: 'main', image: 'python:3.11', securityContext: { privileged: true } },
            ],
          },
        },
      }),
      (error: { code?: number; body?: string }) => {
        assert.equal(error.code, 403);
        const message = statusMessage(error);
        assert.match(message, /violates PodSecurity "restricted:latest"/);
        assert.match(
          message,
          /privileged \(container "main" must not set securityContext.privileged=true\)/,
        );
        return true;
      },
    );
  });

  it('ml-restricted admits a restricted-compliant pod, which runs', async () => {
    const core = admin.makeApiClient(k8s.CoreV1Api);
    const name = `compliant-${Date.now().toString(36)}`;
    createdInRestricted.push(name);
    await core.createNamespacedPod({ namespace: 'ml-restricted', body: restrictedPod(name) });
    await waitForPodPhase('ml-restricted', name);
  });

  it('the developer identity may list pods in ml-team and read nodes, but not list pods in kube-system', async () => {
    const core = developer.makeApiClient(k8s.CoreV1Api);
    assert.equal(developer.getCurrentContext(), 'kube-ml-sandbox-developer');
    assert.equal(developer.getContextObject(developer.getCurrentContext())?.namespace, 'ml-team');
    await core.listNamespacedPod({ namespace: 'ml-team' });
    assert.ok((await core.listNode()).items.length >= 5);
    await assert.rejects(
      core.listNamespacedPod({ namespace: 'kube-system' }),
      (error: { code?: number; body?: string }) => {
        assert.equal(error.code, 403);
        assert.match(
          statusMessage(error),
          /"system:serviceaccount:ml-team:developer" cannot list resource "pods" .* in the namespace "kube-system"/,
        );
        return true;
      },
    );
  });

  it('the developer can ask the API server what it may do (SelfSubjectAccessReview)', async () => {
    const authorization = developer.makeApiClient(k8s.AuthorizationV1Api);
    const allowed = await authorization.createSelfSubjectAccessReview({
      body: {
        spec: { resourceAttributes: { namespace: 'ml-team', verb: 'create', resource: 'pods' } },
      },
    });
    assert.equal(allowed.status?.allowed, true);
    const denied = await authorization.createSelfSubjectAccessReview({
      body: {
        spec: { resourceAttributes: { namespace: 'kube-system', verb: 'list', resource: 'pods' } },
      },
    });
    assert.equal(denied.status?.allowed, false);
  });

  it('createTestNamespace gives the developer edit rights in the new namespace', async () => {
    const namespace = await createTestNamespace('sandbox-rbac');
    try {
      const core = developer.makeApiClient(k8s.CoreV1Api);
      await core.createNamespacedConfigMap({
        namespace,
        body: { metadata: { name: 'probe' }, data: { ok: 'yes' } },
      });
      assert.equal(
        (await core.readNamespacedConfigMap({ namespace, name: 'probe' })).data?.ok,
        'yes',
      );
    } finally {
      await deleteTestNamespace(namespace);
    }
  });
});
