import * as assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { KubeMlError } from '../../../src/cluster/errors';
import { KubeSession } from '../../../src/cluster/kubeSession';
import { ADMIN_CONTEXT, sandboxKubeConfig } from '../sandbox';

/** A copy of the sandbox admin kubeconfig with its cluster or user replaced. */
function variant(change: { cluster?: Partial<k8s.Cluster>; user?: k8s.User }): k8s.KubeConfig {
  const base = sandboxKubeConfig('admin');
  const context = base.getContextObject(ADMIN_CONTEXT)!;
  const cluster = { ...base.getCluster(context.cluster)!, ...change.cluster } as k8s.Cluster;
  const user = change.user ?? base.getUser(context.user)!;
  const config = new k8s.KubeConfig();
  config.loadFromOptions({
    clusters: [cluster],
    users: [{ ...user, name: context.user }],
    contexts: [context],
    currentContext: ADMIN_CONTEXT,
  });
  return config;
}

describe('connection failures against the real API server', () => {
  const sessions: KubeSession[] = [];
  after(() => sessions.forEach((session) => session.dispose()));
  const open = (kubeConfig: k8s.KubeConfig): KubeSession => {
    const session = new KubeSession({
      contextName: ADMIN_CONTEXT,
      namespace: 'default',
      kubeConfig,
      cache: { initialBackoffMs: 50 },
    });
    sessions.push(session);
    return session;
  };

  it('explains a rejected token as expired credentials (401), and does not retry', async () => {
    const session = open(variant({ user: { name: 'x', token: 'expired-or-forged-token' } }));
    await assert.rejects(
      session.nodes.ready,
      (error: unknown) =>
        error instanceof KubeMlError &&
        error.kind === 'unauthorized' &&
        /401/.test(error.summary) &&
        /list nodes/.test(error.summary),
    );
    assert.equal(session.nodes.state, 'failed');
  });

  it('explains a server certificate that the kubeconfig does not trust as a TLS failure', async () => {
    const session = open(
      variant({ cluster: { caData: undefined, caFile: undefined, skipTLSVerify: false } }),
    );
    await assert.rejects(
      session.nodes.ready,
      (error: unknown) =>
        error instanceof KubeMlError &&
        error.kind === 'tls' &&
        /TLS/.test(error.summary) &&
        !!error.hint &&
        /certificate-authority/.test(error.hint),
    );
  });
});
