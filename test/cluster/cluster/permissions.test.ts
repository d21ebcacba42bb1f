import * as assert from 'node:assert/strict';
import { KubeMlError } from '../../../src/cluster/errors';
import { KubeSession } from '../../../src/cluster/kubeSession';
import { sandboxContext, sandboxKubeConfig } from '../sandbox';

describe('permissions for the sandbox identities', () => {
  const sessions: KubeSession[] = [];
  after(() => sessions.forEach((session) => session.dispose()));

  const open = (identity: 'admin' | 'developer'): KubeSession => {
    const session = new KubeSession({
      contextName: sandboxContext(identity),
      namespace: 'ml-team',
      kubeConfig: sandboxKubeConfig(identity),
    });
    sessions.push(session);
    return session;
  };

  it('lets the developer work in ml-team and read nodes, but not touch kube-system', async () => {
    const developer = open('developer');
    assert.equal(
      await developer.can({ verb: 'create', resource: 'pods', namespace: 'ml-team' }),
      true,
    );
    assert.equal(
      await developer.can({
        verb: 'create',
        resource: 'pods',
        subresource: 'exec',
        namespace: 'ml-team',
      }),
      true,
    );
    assert.equal(await developer.can({ verb: 'list', resource: 'nodes' }), true);
    assert.equal(
      await developer.can({ verb: 'create', resource: 'pods', namespace: 'kube-system' }),
      false,
    );
    assert.equal(
      await developer.can({ verb: 'list', resource: 'pods' }),
      false,
      'no cluster-wide pod list',
    );
    await assert.rejects(
      developer.requireAccess({ verb: 'delete', resource: 'pods', namespace: 'kube-system' }),
      (error: unknown) => {
        return (
          error instanceof KubeMlError &&
          error.kind === 'forbidden' &&
          error.summary.includes('delete pods in namespace kube-system')
        );
      },
    );
  });

  it('watches pods of the current namespace only when cluster-wide listing is forbidden', async () => {
    const developer = open('developer');
    await developer.pods.ready;
    assert.equal(developer.podScope, 'namespace');
    assert.equal(developer.pods.description, 'list pods in namespace ml-team');
    assert.ok(developer.pods.list().every((pod) => pod.metadata?.namespace === 'ml-team'));
    await developer.nodes.ready;
    assert.ok(developer.nodes.list().length >= 5);

    const admin = open('admin');
    await admin.pods.ready;
    assert.equal(admin.podScope, 'cluster');
  });

  it('shows a forbidden namespace list to the developer as a forbidden error, not a crash', async () => {
    const developer = open('developer');
    await assert.rejects(
      developer.namespaces.ready,
      (error: unknown) =>
        error instanceof KubeMlError &&
        error.kind === 'forbidden' &&
        /list namespaces/.test(error.summary),
    );
    assert.equal(developer.namespaces.state, 'failed');
  });
});
