import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildEndpointManifests } from '../../src/serving/model/manifests';
import { parseEndpointFile } from '../../src/serving/model/endpointFile';
import { publicExposureWarning } from '../../src/serving/model/exposureWarning';
import {
  buildCompletionRequest,
  curlSnippet,
  DEFAULT_PARAMETERS,
  pythonSnippet,
} from '../../src/serving/model/playgroundRequest';
import { listModels } from '../../src/serving/openAiClient';
import { vllmSpec } from '../unit/serving/fixtures';
import { rejectionOf } from './rejectionOf';

const KEY = 'kmw-test-key-value';

describe('security: a public endpoint is never open by accident', () => {
  it('endpoint files require an API key by default, from a Secret, wherever the runtime can', () => {
    const { file } = parseEndpointFile(
      'name: llm\nruntime: vllm\nexposure: { kind: loadBalancer }\nmodel: { claim: models, path: llama }\n',
    );
    assert.equal(file?.spec.apiKeySecret, 'llm-api-key');
    const off = parseEndpointFile(
      'name: llm\nruntime: vllm\napiKey: false\nmodel: { claim: models }\n',
    );
    assert.equal(off.file?.spec.apiKeySecret, undefined);
    const unsupported = parseEndpointFile(
      'name: llm\nruntime: tgi\napiKey: true\nmodel: { claim: models }\n',
    );
    assert.match(unsupported.problems.join(' '), /cannot require an API key/);
  });

  it('vLLM pods take --api-key from the Secret; no key value is in any object we write', () => {
    const manifests = buildEndpointManifests(
      vllmSpec({ apiKeySecret: 'llm-api-key', exposure: { kind: 'loadBalancer' } }),
    );
    const container = manifests.deployment.spec!.template.spec!.containers[0]!;
    const keyAt = container.args!.indexOf('--api-key');
    assert.ok(keyAt >= 0, 'the server does not require a key');
    const variable = /^\$\((\w+)\)$/.exec(container.args![keyAt + 1]!)?.[1];
    assert.deepEqual(container.env!.find((entry) => entry.name === variable)?.valueFrom, {
      secretKeyRef: { name: 'llm-api-key', key: 'api-key' },
    });
    assert.ok(!JSON.stringify(manifests).includes('kmw-'), 'a generated key appears in a manifest');
  });

  it('warns before exposure outside the cluster: who can reach it, the key, and clear text', () => {
    assert.equal(publicExposureWarning(vllmSpec()), undefined);
    const balanced = publicExposureWarning(
      vllmSpec({ apiKeySecret: 'llm-api-key', exposure: { kind: 'loadBalancer' } }),
    );
    assert.match(balanced!.detail, /Anyone who can reach/);
    assert.match(balanced!.detail, /API key kept in Secret llm-api-key/);
    assert.match(balanced!.detail, /clear text/);
    const open = publicExposureWarning(
      vllmSpec({ runtime: 'tgi', exposure: { kind: 'ingress', host: 'llm.example.com' } }),
    );
    assert.match(open!.detail, /NO API KEY/);
    assert.match(open!.detail, /NO TLS/);
    const secured = publicExposureWarning(
      vllmSpec({
        apiKeySecret: 'k',
        exposure: { kind: 'ingress', host: 'llm.example.com', clusterIssuer: 'letsencrypt' },
      }),
    );
    assert.doesNotMatch(secured!.detail, /NO TLS|NO API KEY/);
  });

  it('an Ingress with a cert-manager issuer gets its certificate and TLS', () => {
    const ingress = buildEndpointManifests(
      vllmSpec({
        exposure: { kind: 'ingress', host: 'llm.example.com', clusterIssuer: 'letsencrypt' },
      }),
    ).ingress!;
    assert.equal(ingress.metadata?.annotations?.['cert-manager.io/cluster-issuer'], 'letsencrypt');
    assert.deepEqual(ingress.spec?.tls, [
      { hosts: ['llm.example.com'], secretName: `${vllmSpec().name}-tls` },
    ]);
  });

  it('the extension host sends the key as a bearer token; without it the server refuses', async () => {
    const server = http.createServer((request, response) => {
      const ok = request.headers.authorization === `Bearer ${KEY}`;
      response.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
      response.end(
        ok
          ? JSON.stringify({ data: [{ id: 'llama' }] })
          : JSON.stringify({ error: 'Unauthorized' }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      assert.deepEqual(await listModels(url, undefined, KEY), ['llama']);
      const refused = await rejectionOf(listModels(url));
      assert.equal(refused.kind, 'unauthorized');
      assert.ok(!refused.message.includes(KEY));
    } finally {
      server.close();
    }
  });

  it('copied snippets read the key from the environment, never carry it', () => {
    const plan = buildCompletionRequest({
      mode: 'chat',
      model: 'llama',
      systemPrompt: '',
      messages: [{ role: 'user', content: 'hi' }],
      parameters: DEFAULT_PARAMETERS,
    });
    for (const snippet of [
      curlSnippet('http://127.0.0.1:1', plan, 'llm-api-key'),
      pythonSnippet('http://127.0.0.1:1', plan, 'llm-api-key'),
    ]) {
      assert.match(snippet, /KUBEML_API_KEY/);
      assert.match(snippet, /Secret llm-api-key/);
    }
  });
});
