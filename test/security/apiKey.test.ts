import * as assert from 'node:assert/strict';
import { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import { ensureApiKeySecret, readApiKey } from '../../src/serving/apiKey';
import { applyEndpoint, deleteEndpoint, deployAccessQueries } from '../../src/serving/endpointApi';
import { waitForRollout } from '../../src/serving/rolloutTracker';
import { createTestNamespace, deleteTestNamespace, sandboxKubeConfig } from '../cluster/sandbox';
import { modelVolume, testEndpoint } from '../cluster/serving/helpers';

describe('security: an endpoint API key lives only in its Secret (sandbox)', function () {
  this.timeout(120_000);
  const kubeConfig = sandboxKubeConfig('developer');
  let namespace: string;

  before(async () => {
    namespace = await createTestNamespace('sec-key');
    await modelVolume(kubeConfig, namespace);
  });
  after(() => deleteTestNamespace(namespace));

  it('generates the key once, serves with it from a secretKeyRef, and deletes it with the endpoint', async () => {
    const spec = testEndpoint(namespace, {
      apiKeySecret: 'llm-api-key',
      exposure: { kind: 'loadBalancer' },
    });
    assert.ok(
      deployAccessQueries(spec, 'deployment').some(
        (query) => query.resource === 'secrets' && query.verb === 'create',
      ),
    );
    await ensureApiKeySecret(kubeConfig, namespace, 'llm-api-key', 'llm');
    const key = await readApiKey(kubeConfig, namespace, 'llm-api-key');
    assert.match(key, /^kmw-[\w-]{43}$/);
    await ensureApiKeySecret(kubeConfig, namespace, 'llm-api-key', 'llm');
    assert.equal(
      await readApiKey(kubeConfig, namespace, 'llm-api-key'),
      key,
      'a redeploy keeps the key clients use',
    );

    await applyEndpoint(kubeConfig, spec, 'deployment');
    const status = await waitForRollout(kubeConfig, namespace, 'llm', { timeoutMs: 60_000 });
    assert.equal(status.phase, 'available');
    const deployment = await kubeConfig
      .makeApiClient(AppsV1Api)
      .readNamespacedDeployment({ namespace, name: 'llm' });
    assert.ok(!JSON.stringify(deployment).includes(key), 'the key is written into the Deployment');
    const container = deployment.spec!.template.spec!.containers[0]!;
    assert.deepEqual(
      container.args!.slice(
        container.args!.indexOf('--api-key'),
        container.args!.indexOf('--api-key') + 2,
      ),
      ['--api-key', '$(KUBEML_API_KEY)'],
    );

    const deleted = await deleteEndpoint(kubeConfig, namespace, 'llm', {
      deleteModelVolumes: false,
    });
    assert.ok(deleted.includes('Secret/llm-api-key'));
    const secrets = await kubeConfig
      .makeApiClient(CoreV1Api)
      .listNamespacedSecret({ namespace, labelSelector: 'kube-ml.dev/endpoint=llm' });
    assert.deepEqual(
      secrets.items.map((secret) => secret.metadata?.name),
      [],
    );
  });
});
