// Credentials never reach a webview or a log. The host-side producers of the log viewer's and GPU
// Metrics' webview messages, and the port-forward's log, run against the sandbox twice: with the
// developer's real token, and with a token the API server refuses (so every error path runs too).
// Everything they post or log is then searched for both tokens and for the kubeconfig's
// certificate data.
import * as assert from 'node:assert/strict';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { KubeConfig } from '@kubernetes/client-node';
import { startPortForward } from '../../src/cluster/portForward';
import type { WorkloadRef } from '../../src/cluster/workloadRef';
import { planGpuSource, sampleGpuSource } from '../../src/gpuMetrics/gpuSource';
import { LogSession } from '../../src/logs/logSession';
import { createTrainingPod } from '../cluster/trainingPods';
import { httpGet } from '../httpGet';
import {
  createTestNamespace,
  deleteTestNamespace,
  sandboxKubeConfig,
  waitFor,
} from '../cluster/sandbox';
import { recordingLog } from '../recordingLog';

/** The developer's kubeconfig with its token replaced: the API server answers 401 to everything. */
function refusedKubeConfig(token: string): KubeConfig {
  const real = sandboxKubeConfig('developer');
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: real.clusters,
    users: [{ name: 'refused', token }],
    contexts: [{ name: 'refused', cluster: real.getCurrentCluster()!.name, user: 'refused' }],
    currentContext: 'refused',
  });
  return kubeConfig;
}

/** What a webview and the output channel would have received from one run of the producers. */
async function runProducers(kubeConfig: KubeConfig, workload: WorkloadRef): Promise<string> {
  const seen: unknown[] = [];
  const log = recordingLog(seen);
  const session = new LogSession({
    kubeConfig,
    workload,
    maxLines: 1000,
    batchMs: 20,
    log,
    spoolPath: path.join(
      os.tmpdir(),
      `secrets-spool-${process.pid}-${randomBytes(4).toString('hex')}`,
    ),
    post: (message) => seen.push(message),
  });
  try {
    const started = await session.start().then(
      () => true,
      (error: unknown) => seen.push(String(error), (error as Error).stack) === 0,
    );
    // Until the view has training lines, or the session has told it that following failed.
    const failedStatus = (message: unknown) =>
      (message as { type?: string }).type === 'status' &&
      /error|fail|ended/i.test(String((message as { state?: string }).state));
    if (started)
      await waitFor(
        () => JSON.stringify(seen).includes('loss') || seen.some(failedStatus),
        30_000,
        'training lines or a failure in the log view',
      );
  } finally {
    session.dispose();
  }
  try {
    const planned = await planGpuSource(kubeConfig, workload);
    seen.push(planned);
    if (planned.plan) seen.push(await sampleGpuSource(kubeConfig, planned.plan));
  } catch (error) {
    seen.push(String(error), (error as Error).stack, JSON.stringify(error));
  }
  // The forward's states are what the Port Forwards view shows and the output channel logs.
  const forward = await startPortForward(kubeConfig, {
    namespace: workload.namespace,
    podName: workload.name,
    remotePort: 8888,
    localPort: 0,
  }).catch((error: unknown) => {
    seen.push(String(error), (error as Error).stack, JSON.stringify(error));
    return undefined;
  });
  if (forward) {
    forward.onDidChangeState((status) => seen.push(status));
    seen.push(
      await httpGet(forward.url('/api')).catch((error: unknown) => String(error)),
      forward.status,
    );
    forward.dispose();
  }
  return JSON.stringify(seen);
}

describe('security: credentials never reach a webview message or a log', function () {
  this.timeout(120_000);
  let namespace: string;
  let workload: WorkloadRef;

  before(async () => {
    namespace = await createTestNamespace('sec-secrets');
    await createTrainingPod(namespace, 'trainer', 2);
    workload = { kind: 'Pod', namespace, name: 'trainer' };
  });
  after(() => deleteTestNamespace(namespace));

  it('the developer token and the kubeconfig certificates appear in nothing posted or logged', async () => {
    const kubeConfig = sandboxKubeConfig('developer');
    const token = kubeConfig.getCurrentUser()?.token;
    assert.ok(token && token.length >= 16, 'the sandbox developer signs in with a token');
    const seen = await runProducers(kubeConfig, workload);
    assert.match(seen, /loss/, 'the producers did run: the log view received training lines');
    assert.ok(!seen.includes(token), 'the token reached a webview message or a log');
    for (const secret of [
      kubeConfig.getCurrentCluster()?.caData,
      kubeConfig.getCurrentUser()?.keyData,
      kubeConfig.getCurrentUser()?.certData,
    ]) {
      if (secret)
        assert.ok(
          !seen.includes(secret),
          'certificate or key data reached a webview message or a log',
        );
    }
  });

  it('a refused token appears in none of the errors posted or logged', async () => {
    const token = `kmw-refused-${randomBytes(16).toString('hex')}`;
    const seen = await runProducers(refusedKubeConfig(token), workload);
    assert.match(
      seen,
      /401|Unauthorized|unauthori[sz]ed|sign in|credentials/i,
      'the producers did meet the refusal',
    );
    assert.ok(!seen.includes(token), 'the refused token reached an error shown or logged');
  });
});
