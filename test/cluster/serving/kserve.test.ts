import * as assert from 'node:assert/strict';
import { ApiextensionsV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import {
  applyEndpoint,
  deleteEndpoint,
  detectKServe,
  readEndpoint,
} from '../../../src/serving/endpointApi';
import {
  interpretInferenceService,
  KSERVE_GROUP,
  KSERVE_PLURAL,
  KSERVE_VERSION,
  type InferenceService,
} from '../../../src/serving/model/kserve';
import { createTestNamespace, deleteTestNamespace, sandboxKubeConfig, waitFor } from '../sandbox';
import { testEndpoint } from './helpers';

const CRD_NAME = `${KSERVE_PLURAL}.${KSERVE_GROUP}`;

/** A minimal InferenceService CRD (free-form spec and status, status subresource): no KServe controller.
 *  client-node's model spells x-kubernetes-preserve-unknown-fields as x_kubernetes_preserve_unknown_fields. */
async function installCrd(): Promise<boolean> {
  const extensions = sandboxKubeConfig('admin').makeApiClient(ApiextensionsV1Api);
  const existing = await extensions
    .readCustomResourceDefinition({ name: CRD_NAME })
    .catch((error: { code?: number }) => {
      if (error.code === 404) return undefined;
      throw error;
    });
  if (existing && !existing.metadata?.deletionTimestamp) return false;
  if (existing) {
    // A previous run's CRD is still being removed: wait, then install afresh.
    await waitFor(
      async () =>
        await extensions.readCustomResourceDefinition({ name: CRD_NAME }).then(
          () => false,
          (error: { code?: number }) => error.code === 404,
        ),
      60_000,
      'old CRD removal',
    );
  }
  await extensions.createCustomResourceDefinition({
    body: {
      metadata: { name: CRD_NAME },
      spec: {
        group: KSERVE_GROUP,
        scope: 'Namespaced',
        names: {
          plural: KSERVE_PLURAL,
          singular: 'inferenceservice',
          kind: 'InferenceService',
          shortNames: ['isvc'],
        },
        versions: [
          {
            name: KSERVE_VERSION,
            served: true,
            storage: true,
            subresources: { status: {} },
            schema: {
              openAPIV3Schema: {
                type: 'object',
                properties: {
                  spec: { type: 'object', x_kubernetes_preserve_unknown_fields: true },
                  status: { type: 'object', x_kubernetes_preserve_unknown_fields: true },
                },
              },
            },
          },
        ],
      },
    },
  });
  await waitFor(
    async () =>
      (await extensions.readCustomResourceDefinition({ name: CRD_NAME })).status?.conditions?.some(
        (condition) => condition.type === 'Established' && condition.status === 'True',
      ),
    30_000,
    'CRD established',
  );
  return true;
}

describe('serving: KServe InferenceService path (sandbox, CRD installed by the test)', function () {
  this.timeout(90_000);
  const kubeConfig = sandboxKubeConfig('admin');
  let namespace: string;
  let installed = false;

  before(async () => {
    namespace = await createTestNamespace('serving-kserve');
  });
  after(async () => {
    if (namespace) await deleteTestNamespace(namespace);
    if (installed)
      await kubeConfig
        .makeApiClient(ApiextensionsV1Api)
        .deleteCustomResourceDefinition({ name: CRD_NAME });
  });

  it('discovers KServe once the CRD exists, applies an InferenceService and reads its status', async () => {
    installed = await installCrd();
    await waitFor(
      () => detectKServe(kubeConfig),
      30_000,
      'discovery to list serving.kserve.io/v1beta1',
    );

    const spec = testEndpoint(namespace, {
      name: 'kllm',
      scaling: { minReplicas: 1, maxReplicas: 4, targetCpuUtilization: 75 },
    });
    const applied = await applyEndpoint(kubeConfig, spec, 'kserve');
    assert.deepEqual(applied.objects, ['InferenceService/kllm']);
    const custom = kubeConfig.makeApiClient(CustomObjectsApi);
    const object = (await custom.getNamespacedCustomObject({
      group: KSERVE_GROUP,
      version: KSERVE_VERSION,
      namespace,
      plural: KSERVE_PLURAL,
      name: 'kllm',
    })) as InferenceService & { metadata: { managedFields?: { manager?: string }[] } };
    const predictor = object.spec!.predictor as {
      minReplicas: number;
      maxReplicas: number;
      containers: {
        name: string;
        image: string;
        readinessProbe: { httpGet: { path: string } };
        resources: { limits: Record<string, string> };
      }[];
    };
    assert.equal(predictor.minReplicas, 1);
    assert.equal(predictor.maxReplicas, 4);
    assert.equal(predictor.containers[0].name, 'kserve-container');
    assert.equal(predictor.containers[0].readinessProbe.httpGet.path, '/health');
    assert.equal(predictor.containers[0].resources.limits['nvidia.com/gpu'], '1');
    assert.ok(
      object.metadata.managedFields?.some((field) => field.manager === 'kube-ml-workbench'),
    );
    assert.equal(interpretInferenceService(object).state, 'progressing');

    const endpoint = await readEndpoint(kubeConfig, namespace, 'kllm');
    assert.equal(endpoint.backend, 'kserve');
    assert.equal(endpoint.spec.scaling.maxReplicas, 4);

    // Play the controller's part: report Ready with a URL through the status subresource.
    await custom.patchNamespacedCustomObjectStatus({
      group: KSERVE_GROUP,
      version: KSERVE_VERSION,
      namespace,
      plural: KSERVE_PLURAL,
      name: 'kllm',
      body: [
        {
          op: 'add',
          path: '/status',
          value: {
            url: `http://kllm.${namespace}.example.test`,
            conditions: [
              { type: 'PredictorReady', status: 'True' },
              { type: 'Ready', status: 'True' },
            ],
          },
        },
      ],
    });
    const ready = (await custom.getNamespacedCustomObject({
      group: KSERVE_GROUP,
      version: KSERVE_VERSION,
      namespace,
      plural: KSERVE_PLURAL,
      name: 'kllm',
    })) as InferenceService;
    assert.deepEqual(interpretInferenceService(ready), {
      state: 'ready',
      url: `http://kllm.${namespace}.example.test`,
    });

    assert.deepEqual(
      await deleteEndpoint(kubeConfig, namespace, 'kllm', { deleteModelVolumes: false }),
      ['InferenceService/kllm'],
    );
  });
});
