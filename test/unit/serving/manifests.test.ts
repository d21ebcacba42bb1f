import * as assert from 'node:assert/strict';
import { buildEndpointManifests, MODEL_MOUNT_PATH } from '../../../src/serving/model/manifests';
import {
  buildInferenceService,
  interpretInferenceService,
  kserveAvailable,
} from '../../../src/serving/model/kserve';
import {
  ENDPOINT_LABEL,
  SERVER_SPEC_ANNOTATION,
  SPEC_ANNOTATION,
} from '../../../src/serving/model/labels';
import { vllmSpec } from './fixtures';

describe('serving manifests', () => {
  it('builds a vLLM Deployment with probes on the runtime health path, GPUs, toleration and product selector', () => {
    const { deployment } = buildEndpointManifests(vllmSpec());
    const pod = deployment.spec!.template.spec!;
    const container = pod.containers[0];
    assert.equal(container.image, 'vllm/vllm-openai:v0.6.3');
    assert.deepEqual(container.ports, [{ name: 'http', containerPort: 8000, protocol: 'TCP' }]);
    for (const probe of [
      container.readinessProbe,
      container.livenessProbe,
      container.startupProbe,
    ]) {
      assert.equal(probe?.httpGet?.path, '/health');
      assert.equal(probe?.httpGet?.port, 'http');
    }
    assert.deepEqual(container.args?.slice(0, 4), [
      '--model',
      `${MODEL_MOUNT_PATH}/models/llama`,
      '--served-model-name',
      'llama',
    ]);
    assert.equal(container.resources?.limits?.['nvidia.com/gpu'], '1');
    assert.equal(container.resources?.requests?.['nvidia.com/gpu'], '1');
    assert.deepEqual(pod.tolerations, [
      { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' },
    ]);
    assert.deepEqual(pod.nodeSelector, { 'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3' });
    assert.deepEqual(pod.volumes?.[0], {
      name: 'model',
      persistentVolumeClaim: { claimName: 'llama-model', readOnly: true },
    });
    assert.equal(container.volumeMounts?.[0].readOnly, true);
  });

  it('passes the restricted Pod Security Standard, and allows root only when asked', () => {
    const pod = buildEndpointManifests(vllmSpec()).deployment.spec!.template.spec!;
    assert.equal(pod.securityContext?.runAsNonRoot, true);
    assert.equal(pod.securityContext?.seccompProfile?.type, 'RuntimeDefault');
    const security = pod.containers[0].securityContext!;
    assert.equal(security.allowPrivilegeEscalation, false);
    assert.deepEqual(security.capabilities?.drop, ['ALL']);
    assert.equal(security.runAsNonRoot, true);
    assert.equal(security.seccompProfile?.type, 'RuntimeDefault');
    const open = buildEndpointManifests(vllmSpec({ restrictedPodSecurity: false })).deployment.spec!
      .template.spec!;
    assert.deepEqual(open.securityContext, { seccompProfile: { type: 'RuntimeDefault' } });
    assert.deepEqual(open.containers[0].securityContext, { allowPrivilegeEscalation: false });
  });

  it("uses each runtime preset's port and health path", () => {
    const tgi = buildEndpointManifests(vllmSpec({ runtime: 'tgi' })).deployment.spec!.template.spec!
      .containers[0];
    assert.equal(tgi.ports?.[0].containerPort, 8080);
    assert.equal(tgi.readinessProbe?.httpGet?.path, '/health');
    assert.ok(tgi.args?.includes('--model-id'));
    const triton = buildEndpointManifests(vllmSpec({ runtime: 'triton' })).deployment.spec!.template
      .spec!.containers[0];
    assert.equal(triton.ports?.[0].containerPort, 8000);
    assert.equal(triton.readinessProbe?.httpGet?.path, '/v2/health/ready');
    assert.ok(triton.args?.includes(`--model-repository=${MODEL_MOUNT_PATH}/models/llama`));
    const custom = buildEndpointManifests(
      vllmSpec({
        runtime: 'custom',
        image: 'me/server:1',
        command: ['python', '-m', 'serve'],
        args: ['--path', '{model}', '--port', '{port}'],
        port: 9000,
        healthPath: '/ready',
      }),
    ).deployment.spec!.template.spec!.containers[0];
    assert.equal(custom.image, 'me/server:1');
    assert.deepEqual(custom.command, ['python', '-m', 'serve']);
    assert.deepEqual(custom.args, ['--path', `${MODEL_MOUNT_PATH}/models/llama`, '--port', '9000']);
    assert.equal(custom.livenessProbe?.httpGet?.path, '/ready');
  });

  it('shards across GPUs with tensor parallelism and omits GPU fields on CPU endpoints', () => {
    const four = buildEndpointManifests(vllmSpec({ gpus: 4 })).deployment.spec!.template.spec!
      .containers[0];
    assert.deepEqual(four.args?.slice(-2), ['--tensor-parallel-size', '4']);
    const cpu = buildEndpointManifests(vllmSpec({ gpus: 0, gpuProduct: undefined })).deployment
      .spec!.template.spec!;
    assert.equal(cpu.tolerations, undefined);
    assert.equal(cpu.containers[0].resources?.limits?.['nvidia.com/gpu'], undefined);
  });

  it('adds an autoscaling/v2 HPA and leaves replicas to it, or fixes replicas without one', () => {
    const scaled = buildEndpointManifests(vllmSpec());
    assert.equal(scaled.deployment.spec!.replicas, undefined);
    assert.equal(scaled.autoscaler?.apiVersion, 'autoscaling/v2');
    assert.equal(scaled.autoscaler?.spec?.minReplicas, 1);
    assert.equal(scaled.autoscaler?.spec?.maxReplicas, 3);
    assert.equal(scaled.autoscaler?.spec?.scaleTargetRef.name, 'llama');
    assert.equal(scaled.autoscaler?.spec?.metrics?.[0].resource?.target.averageUtilization, 70);
    const fixed = buildEndpointManifests(
      vllmSpec({ scaling: { minReplicas: 2, maxReplicas: 2, targetCpuUtilization: 70 } }),
    );
    assert.equal(fixed.deployment.spec!.replicas, 2);
    assert.equal(fixed.autoscaler, undefined);
  });

  it('labels every object and selects pods by the endpoint label; annotates spec and server spec', () => {
    const manifests = buildEndpointManifests(
      vllmSpec({
        exposure: { kind: 'ingress', host: 'llama.example.com' },
        networkPolicy: { allowFromNamespaces: ['apps'] },
      }),
    );
    for (const object of [
      manifests.deployment,
      manifests.service,
      manifests.autoscaler,
      manifests.ingress,
      manifests.networkPolicy,
    ]) {
      assert.equal(object?.metadata?.labels?.['app.kubernetes.io/managed-by'], 'kube-ml-workbench');
      assert.equal(object?.metadata?.labels?.[ENDPOINT_LABEL], 'llama');
    }
    assert.deepEqual(manifests.deployment.spec!.selector.matchLabels, {
      [ENDPOINT_LABEL]: 'llama',
    });
    assert.deepEqual(manifests.service.spec!.selector, { [ENDPOINT_LABEL]: 'llama' });
    assert.equal(
      JSON.parse(manifests.deployment.metadata!.annotations![SPEC_ANNOTATION]).name,
      'llama',
    );
    const server = JSON.parse(
      manifests.deployment.spec!.template.metadata!.annotations![SERVER_SPEC_ANNOTATION],
    );
    assert.equal(server.runtime, 'vllm');
    assert.equal(server.scaling, undefined, 'scaling must not change the pod template');
  });

  it('does not change the pod template when only scaling or exposure changes', () => {
    const before = buildEndpointManifests(vllmSpec()).deployment.spec!.template;
    const after = buildEndpointManifests(
      vllmSpec({
        scaling: { minReplicas: 2, maxReplicas: 5, targetCpuUtilization: 50 },
        exposure: { kind: 'loadBalancer' },
      }),
    ).deployment.spec!.template;
    assert.deepEqual(after, before);
  });

  it('exposes through a Service, an Ingress with a host, or a LoadBalancer', () => {
    const cluster = buildEndpointManifests(vllmSpec());
    assert.equal(cluster.service.spec!.type, 'ClusterIP');
    assert.deepEqual(cluster.service.spec!.ports, [
      { name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' },
    ]);
    assert.equal(cluster.ingress, undefined);
    const ingress = buildEndpointManifests(
      vllmSpec({
        exposure: {
          kind: 'ingress',
          host: 'llama.example.com',
          ingressClassName: 'nginx',
          tlsSecretName: 'llama-tls',
        },
      }),
    ).ingress!;
    assert.equal(ingress.spec!.rules![0].host, 'llama.example.com');
    assert.equal(ingress.spec!.ingressClassName, 'nginx');
    assert.deepEqual(ingress.spec!.tls, [
      { hosts: ['llama.example.com'], secretName: 'llama-tls' },
    ]);
    assert.equal(ingress.spec!.rules![0].http!.paths[0].backend.service!.name, 'llama');
    assert.equal(
      buildEndpointManifests(vllmSpec({ exposure: { kind: 'loadBalancer' } })).service.spec!.type,
      'LoadBalancer',
    );
  });

  it('limits ingress to the namespace and listed namespaces on the server port with a NetworkPolicy', () => {
    const policy = buildEndpointManifests(
      vllmSpec({ networkPolicy: { allowFromNamespaces: ['apps'] } }),
    ).networkPolicy!;
    const rule = policy.spec!.ingress![0];
    assert.deepEqual(rule._from, [
      { podSelector: {} },
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'apps' } } },
    ]);
    assert.deepEqual(rule.ports, [{ protocol: 'TCP', port: 8000 }]);
    assert.equal(buildEndpointManifests(vllmSpec()).networkPolicy, undefined);
  });

  it('builds a KServe InferenceService with the same container and replica bounds', () => {
    const service = buildInferenceService(vllmSpec());
    assert.equal(service.apiVersion, 'serving.kserve.io/v1beta1');
    assert.equal(service.kind, 'InferenceService');
    const predictor = service.spec!.predictor as {
      minReplicas: number;
      maxReplicas: number;
      containers: { name: string; image: string }[];
      tolerations: unknown[];
    };
    assert.equal(predictor.minReplicas, 1);
    assert.equal(predictor.maxReplicas, 3);
    assert.equal(predictor.containers[0].name, 'kserve-container');
    assert.equal(predictor.containers[0].image, 'vllm/vllm-openai:v0.6.3');
    assert.equal(predictor.tolerations.length, 1);
    assert.equal(
      service.metadata?.annotations?.['serving.kserve.io/deploymentMode'],
      'RawDeployment',
    );
  });

  it('detects KServe from discovery and reads InferenceService status', () => {
    assert.equal(kserveAvailable([{ name: 'apps', versions: [{ version: 'v1' }] }]), false);
    assert.equal(
      kserveAvailable([{ name: 'serving.kserve.io', versions: [{ version: 'v1beta1' }] }]),
      true,
    );
    assert.deepEqual(
      interpretInferenceService({
        status: {
          url: 'http://llama.ml-team.example.com',
          conditions: [{ type: 'Ready', status: 'True' }],
        },
      }),
      { state: 'ready', url: 'http://llama.ml-team.example.com' },
    );
    assert.equal(interpretInferenceService({}).state, 'progressing');
    const failed = interpretInferenceService({
      status: {
        conditions: [
          {
            type: 'PredictorReady',
            status: 'False',
            reason: 'RevisionFailed',
            message: 'image pull failed',
          },
          { type: 'Ready', status: 'False' },
        ],
      },
    });
    assert.equal(failed.state, 'failed');
    assert.match((failed as { message: string }).message, /image pull failed/);
  });
});
