import * as assert from 'node:assert/strict';
import { AppsV1Api, AutoscalingV2Api, CoreV1Api } from '@kubernetes/client-node';
import { KubeSession } from '../../../src/cluster/kubeSession';
import { startPortForward } from '../../../src/cluster/portForward';
import {
  applyEndpoint,
  deleteEndpoint,
  deployAccessQueries,
  readEndpoint,
  rollBackEndpoint,
  scaleEndpoint,
} from '../../../src/serving/endpointApi';
import { deployableGpus } from '../../../src/serving/model/freeGpus';
import { ENDPOINT_LABEL, podSelectorOf } from '../../../src/serving/model/labels';
import {
  buildCompletionRequest,
  DEFAULT_PARAMETERS,
} from '../../../src/serving/model/playgroundRequest';
import { listModels, streamCompletion } from '../../../src/serving/openAiClient';
import { waitForRollout } from '../../../src/serving/rolloutTracker';
import {
  createTestNamespace,
  deleteTestNamespace,
  sandboxKubeConfig,
  waitFor,
  DEVELOPER_CONTEXT,
} from '../sandbox';
import { modelVolume, testEndpoint } from './helpers';

describe('serving: deploy, rollout, playground, scale, roll back, delete (sandbox)', function () {
  this.timeout(120_000);
  const kubeConfig = sandboxKubeConfig('developer');
  let namespace: string;

  before(async () => {
    namespace = await createTestNamespace('serving');
    await modelVolume(kubeConfig, namespace);
  });
  after(async () => {
    if (namespace) await deleteTestNamespace(namespace);
  });

  it('checks the deploy permissions of the developer identity first', async () => {
    const session = new KubeSession({ contextName: DEVELOPER_CONTEXT, namespace, kubeConfig });
    try {
      for (const query of deployAccessQueries(
        testEndpoint(namespace, {
          scaling: { minReplicas: 1, maxReplicas: 2, targetCpuUtilization: 70 },
          exposure: { kind: 'ingress', host: 'llm.example.test' },
          networkPolicy: { allowFromNamespaces: [] },
        }),
        'deployment',
      )) {
        assert.equal(await session.can(query), true, `${query.verb} ${query.resource}`);
      }
      await assert.rejects(
        session.requireAccess({
          verb: 'patch',
          resource: 'deployments',
          group: 'apps',
          namespace: 'kube-system',
        }),
        (error: Error) => /deployments/.test(error.message),
      );
    } finally {
      session.dispose();
    }
  });

  it('applies Deployment, Service and HPA with our labels and probes, and the rollout reaches Available', async () => {
    const spec = testEndpoint(namespace, {
      scaling: { minReplicas: 1, maxReplicas: 3, targetCpuUtilization: 60 },
    });
    const applied = await applyEndpoint(kubeConfig, spec, 'deployment');
    assert.deepEqual(applied.objects, [
      'Service/llm',
      'Deployment/llm',
      'HorizontalPodAutoscaler/llm',
    ]);
    const deployment = await kubeConfig
      .makeApiClient(AppsV1Api)
      .readNamespacedDeployment({ namespace, name: 'llm' });
    assert.equal(
      deployment.metadata?.labels?.['app.kubernetes.io/managed-by'],
      'kube-ml-workbench',
    );
    assert.ok(
      deployment.metadata?.managedFields?.some(
        (field) => field.manager === 'kube-ml-workbench' && field.operation === 'Apply',
      ),
      'applied server-side by our field manager',
    );
    const container = deployment.spec!.template.spec!.containers[0];
    assert.equal(container.readinessProbe?.httpGet?.path, '/health');
    assert.equal(container.livenessProbe?.httpGet?.path, '/health');
    assert.equal(container.resources?.limits?.['nvidia.com/gpu'], '1');
    const service = await kubeConfig
      .makeApiClient(CoreV1Api)
      .readNamespacedService({ namespace, name: 'llm' });
    assert.deepEqual(service.spec?.selector, { [ENDPOINT_LABEL]: 'llm' });
    const hpa = await kubeConfig
      .makeApiClient(AutoscalingV2Api)
      .readNamespacedHorizontalPodAutoscaler({ namespace, name: 'llm' });
    assert.equal(hpa.spec?.maxReplicas, 3);
    assert.equal(hpa.spec?.metrics?.[0].resource?.target.averageUtilization, 60);

    const phases: string[] = [];
    const status = await waitForRollout(kubeConfig, namespace, 'llm', {
      timeoutMs: 60_000,
      onStatus: (next) => phases.push(next.phase),
    });
    assert.equal(status.phase, 'available', status.summary);
    assert.ok(status.available >= 1);
  });

  it('streams a chat answer through our managed port-forward and computes TTFT and tokens/s', async () => {
    const forward = await startPortForward(kubeConfig, {
      namespace,
      podSelector: podSelectorOf('llm'),
      controller: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'llm' },
      remotePort: 8000,
      localPort: 0,
    });
    try {
      const models = await listModels(forward.url());
      assert.ok(models.length > 0, 'the server lists a model');
      const pieces: string[] = [];
      const result = await streamCompletion(
        forward.url(),
        buildCompletionRequest({
          mode: 'chat',
          model: models[0],
          systemPrompt: 'Be brief.',
          messages: [{ role: 'user', content: 'Say hello' }],
          parameters: { ...DEFAULT_PARAMETERS, maxTokens: 32 },
        }),
        (text) => pieces.push(text),
      );
      assert.ok(pieces.length > 1, `tokens arrive as separate chunks (got ${pieces.length})`);
      assert.equal(result.text, pieces.join(''));
      assert.ok(
        result.figures.ttftMs !== undefined &&
          result.figures.ttftMs > 0 &&
          result.figures.ttftMs < 10_000,
        `TTFT ${result.figures.ttftMs}`,
      );
      assert.ok(
        result.figures.tokensPerSecond !== undefined && result.figures.tokensPerSecond > 0,
        `tokens/s ${result.figures.tokensPerSecond}`,
      );
      const completion = await streamCompletion(
        forward.url(),
        buildCompletionRequest({
          mode: 'completion',
          model: models[0],
          systemPrompt: '',
          messages: [{ role: 'user', content: 'Once upon a time' }],
          parameters: { ...DEFAULT_PARAMETERS, maxTokens: 16 },
        }),
        () => undefined,
      );
      assert.ok(completion.text.length > 0);
    } finally {
      forward.dispose();
    }
  });

  it('scales without a new revision, then rolls back to the previous revision after an image change', async () => {
    await scaleEndpoint(kubeConfig, namespace, 'llm', {
      minReplicas: 2,
      maxReplicas: 2,
      targetCpuUtilization: 60,
    });
    const apps = kubeConfig.makeApiClient(AppsV1Api);
    const scaled = await apps.readNamespacedDeployment({ namespace, name: 'llm' });
    assert.equal(scaled.spec?.replicas, 2);
    assert.equal(scaled.metadata?.annotations?.['deployment.kubernetes.io/revision'], '1');
    await assert.rejects(
      kubeConfig
        .makeApiClient(AutoscalingV2Api)
        .readNamespacedHorizontalPodAutoscaler({ namespace, name: 'llm' }),
      (error: { code?: number }) => error.code === 404,
    );
    assert.equal(
      (await waitForRollout(kubeConfig, namespace, 'llm', { timeoutMs: 60_000 })).available,
      2,
    );

    const current = await readEndpoint(kubeConfig, namespace, 'llm');
    await applyEndpoint(
      kubeConfig,
      { ...current.spec, image: 'vllm/vllm-openai:v0.6.4' },
      'deployment',
    );
    await waitFor(
      async () =>
        (await apps.readNamespacedDeployment({ namespace, name: 'llm' })).metadata?.annotations?.[
          'deployment.kubernetes.io/revision'
        ] === '2',
      30_000,
      'revision 2',
    );
    await waitForRollout(kubeConfig, namespace, 'llm', { timeoutMs: 60_000 });

    const rolledBack = await rollBackEndpoint(kubeConfig, namespace, 'llm');
    assert.deepEqual([rolledBack.fromRevision, rolledBack.toRevision], [2, 1]);
    const after = await apps.readNamespacedDeployment({ namespace, name: 'llm' });
    assert.equal(after.spec?.template.spec?.containers[0].image, 'vllm/vllm-openai:v0.6.3');
    assert.equal(after.spec?.replicas, 2, 'roll back keeps the current scale');
    await waitFor(
      async () =>
        (await apps.readNamespacedDeployment({ namespace, name: 'llm' })).metadata?.annotations?.[
          'deployment.kubernetes.io/revision'
        ] === '3',
      30_000,
      'revision 3 (the old template re-used)',
    );
    assert.equal(
      (await waitForRollout(kubeConfig, namespace, 'llm', { timeoutMs: 60_000 })).phase,
      'available',
    );
  });

  it('explains a 9-GPU request with insufficient GPUs from FailedScheduling events, naming free GPUs', async () => {
    const session = new KubeSession({ contextName: DEVELOPER_CONTEXT, namespace, kubeConfig });
    try {
      await session.nodes.ready;
      await applyEndpoint(
        kubeConfig,
        testEndpoint(namespace, { name: 'too-big', gpus: 9 }),
        'deployment',
      );
      const status = await waitForRollout(kubeConfig, namespace, 'too-big', {
        timeoutMs: 60_000,
        until: ['failed'],
        freeGpus: () => deployableGpus(session.nodes.list(), session.pods.list()),
      });
      const problem = status.problems.find((candidate) => candidate.kind === 'insufficientGpu');
      assert.ok(problem, status.summary);
      assert.match(problem.message, /no node has 9 free GPUs/);
      assert.match(problem.hint, /NVIDIA-H100-80GB-HBM3: \d+ free/);
    } finally {
      session.dispose();
    }
  });

  it('deletes an endpoint and keeps its model volume when asked', async () => {
    const deleted = await deleteEndpoint(kubeConfig, namespace, 'llm', {
      deleteModelVolumes: false,
    });
    assert.ok(deleted.includes('Deployment/llm') && deleted.includes('Service/llm'));
    await assert.rejects(
      kubeConfig.makeApiClient(AppsV1Api).readNamespacedDeployment({ namespace, name: 'llm' }),
      (error: { code?: number }) => error.code === 404,
    );
    const claim = await kubeConfig
      .makeApiClient(CoreV1Api)
      .readNamespacedPersistentVolumeClaim({ namespace, name: 'llm-model' });
    assert.equal(claim.metadata?.deletionTimestamp, undefined);
    const removed = await deleteEndpoint(kubeConfig, namespace, 'too-big', {
      deleteModelVolumes: true,
    });
    assert.ok(removed.includes('Deployment/too-big'));
  });
});
