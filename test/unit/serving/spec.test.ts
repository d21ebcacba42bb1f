import * as assert from 'node:assert/strict';
import { validateEndpointSpec } from '../../../src/serving/model/spec';
import { detectModelFormat } from '../../../src/serving/model/modelFormat';
import { parseEndpointFile, serializeEndpointFile } from '../../../src/serving/model/endpointFile';
import { vllmSpec } from './fixtures';

describe('endpoint spec validation', () => {
  it('accepts a valid spec', () => {
    assert.deepEqual(validateEndpointSpec(vllmSpec()), []);
  });

  it('names the DNS-1123 rule for a bad name and the field for each problem', () => {
    const problems = validateEndpointSpec(
      vllmSpec({
        name: 'Llama_7B',
        gpus: -1,
        scaling: { minReplicas: 3, maxReplicas: 2, targetCpuUtilization: 0 },
      }),
    );
    assert.ok(
      problems.some((problem) => /DNS-1123/.test(problem) && /endpoint name/.test(problem)),
      problems.join('\n'),
    );
    assert.ok(problems.some((problem) => /^gpus -1/.test(problem)));
    assert.ok(problems.some((problem) => /maxReplicas 2/.test(problem)));
    assert.ok(problems.some((problem) => /targetCpuUtilization 0/.test(problem)));
  });

  it('requires image, port and health path for a custom runtime and refuses privileged ports', () => {
    const problems = validateEndpointSpec(vllmSpec({ runtime: 'custom' }));
    assert.equal(
      problems.filter((problem) => /required for a custom runtime/.test(problem)).length,
      3,
    );
    assert.ok(
      validateEndpointSpec(
        vllmSpec({ runtime: 'custom', image: 'x', port: 80, healthPath: '/h' }),
      ).some((problem) => /1024/.test(problem)),
    );
  });

  it('refuses model paths escaping the volume and bad quantities and hosts', () => {
    const problems = validateEndpointSpec(
      vllmSpec({
        model: { claimName: 'm', path: '../etc', readOnly: true },
        memory: 'lots',
        exposure: { kind: 'ingress', host: 'Bad Host' },
      }),
    );
    assert.ok(problems.some((problem) => /must not contain ".."/.test(problem)));
    assert.ok(problems.some((problem) => /memory "lots"/.test(problem)));
    assert.ok(problems.some((problem) => /Ingress host/.test(problem)));
  });
});

describe('model format detection', () => {
  it('recognises Hugging Face folders, GGUF, ONNX and TorchScript', () => {
    assert.equal(
      detectModelFormat({
        kind: 'folder',
        files: ['config.json', 'model-00001-of-00002.safetensors', 'tokenizer.json'],
      })?.format,
      'huggingface',
    );
    assert.equal(
      detectModelFormat({ kind: 'file', name: 'llama-q4_k_m.gguf' })?.suggestedRuntime,
      'vllm',
    );
    assert.equal(
      detectModelFormat({ kind: 'file', name: 'resnet.onnx' })?.suggestedRuntime,
      'triton',
    );
    assert.equal(detectModelFormat({ kind: 'file', name: 'model.pt' })?.format, 'torchscript');
    assert.equal(
      detectModelFormat({ kind: 'folder', files: ['1/model.onnx', 'config.pbtxt'] })?.format,
      'onnx',
    );
    assert.equal(detectModelFormat({ kind: 'folder', files: ['README.md'] }), undefined);
    assert.equal(
      detectModelFormat({ kind: 'folder', files: ['config.json'] }),
      undefined,
      'config.json alone has no weights',
    );
  });
});

describe('.kubeml/endpoint.yaml', () => {
  const text = `
name: llama
runtime: vllm
model:
  local: out/llama
gpus: 2
gpuProduct: NVIDIA-A100-SXM4-40GB
memory: 64Gi
replicas: { min: 1, max: 4, targetCpuUtilization: 60 }
exposure: { kind: ingress, host: llama.example.com }
networkPolicy: { allowFromNamespaces: [apps] }
env: { VLLM_LOGGING_LEVEL: DEBUG }
`;

  it('parses a file with defaults for omitted fields', () => {
    const { file, problems } = parseEndpointFile(text);
    assert.deepEqual(problems, []);
    assert.equal(file!.spec.name, 'llama');
    assert.equal(file!.spec.gpus, 2);
    assert.equal(file!.spec.cpu, '4');
    assert.equal(file!.spec.restrictedPodSecurity, true);
    assert.deepEqual(file!.spec.scaling, {
      minReplicas: 1,
      maxReplicas: 4,
      targetCpuUtilization: 60,
    });
    assert.deepEqual(file!.spec.exposure, {
      kind: 'ingress',
      host: 'llama.example.com',
      ingressClassName: undefined,
      tlsSecretName: undefined,
      clusterIssuer: undefined,
    });
    assert.equal(
      file!.spec.apiKeySecret,
      'llama-api-key',
      'an API key unless the file says apiKey: false',
    );
    assert.deepEqual(file!.source, { kind: 'local', path: 'out/llama' });
    assert.deepEqual(file!.spec.env, { VLLM_LOGGING_LEVEL: 'DEBUG' });
  });

  it('round-trips through serialize', () => {
    const { file } = parseEndpointFile(text);
    const again = parseEndpointFile(serializeEndpointFile(file!));
    assert.deepEqual(again.problems, []);
    assert.deepEqual(again.file, file);
  });

  it('reports every problem with its field', () => {
    const { file, problems } = parseEndpointFile(
      'name: Bad_Name\nruntime: ollama\ngpus: two\nmodel: { local: a, claim: b }\nsurprise: 1\n',
    );
    assert.equal(file, undefined);
    assert.ok(problems.some((problem) => /runtime "ollama"/.test(problem)));
    assert.ok(problems.some((problem) => /gpus must be a number/.test(problem)));
    assert.ok(problems.some((problem) => /exactly one of local, devPod or claim/.test(problem)));
    assert.ok(problems.some((problem) => /unknown field\(s\) "surprise"/.test(problem)));
    assert.match(parseEndpointFile('name: [').problems[0], /not valid YAML/);
    assert.match(
      parseEndpointFile('name: Bad_Name\nmodel: { claim: m, path: p }\n').problems[0],
      /DNS-1123/,
    );
  });

  it('reads dev pod and volume sources', () => {
    assert.deepEqual(
      parseEndpointFile('name: a\nmodel: { devPod: alice, path: out/m }\n').file!.source,
      { kind: 'devPod', devPod: 'alice', path: 'out/m', copy: false },
    );
    assert.deepEqual(
      parseEndpointFile('name: a\nmodel: { claim: models, path: m, readOnly: false }\n').file!
        .source,
      { kind: 'volume', claimName: 'models', path: 'm', readOnly: false },
    );
  });
});
