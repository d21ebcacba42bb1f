// Model serving journey: a person deploys a model that sits on a volume through the guided Deploy
// Model flow from the palette (runtime, GPUs from what is free, replicas, exposure, name), follows
// the endpoint to "ready" in the Endpoints view, opens the Playground from it and watches an answer
// stream in with its time-to-first-token and tokens/s.
import * as assert from 'assert';
import { createTestNamespace, type Journey } from './harness';

export const journey: Journey = {
  name: 'model-serving',
  timeoutMs: 240_000,
  async run(_page, ctx) {
    const wb = ctx.workbench;
    const testNamespace = await createTestNamespace(ctx, 'serving-e2e');
    const { name: namespace, core } = testNamespace;
    await core.createNamespacedPersistentVolumeClaim({
      namespace,
      body: {
        metadata: { name: 'team-models' },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } } },
      },
    });
    try {
      await wb.openKubeMl();
      await wb.switchNamespace(namespace);

      await wb.runCommand('Kube ML: Deploy Model');
      await wb.quickInputStep('Deploy Model: where is the model?');
      await ctx.screenshot('deploy-source', wb.quickInput());
      await wb.pick('Deploy Model: where is the model?', /Existing volume/);
      await wb.answerInput('Deploy Model: volume claim name', 'team-models');
      await wb.answerInput(
        'Deploy Model: path of the model inside the volume',
        'llama-3-8b-finetuned',
      );
      await wb.quickInputStep('Deploy Model: serving runtime');
      await ctx.screenshot('deploy-runtime', wb.quickInput());
      await wb.pick('Deploy Model: serving runtime', /^vLLM/);
      await wb.quickInputStep('Deploy Model: GPUs per replica (free capacity now)');
      await ctx.screenshot('deploy-gpus', wb.quickInput());
      await wb.pick(
        'Deploy Model: GPUs per replica (free capacity now)',
        /^NVIDIA-H100-80GB-HBM3/,
        'H100',
      );
      await wb.answerInput('Deploy Model: GPUs per replica (NVIDIA-H100', '1');
      await wb.answerInput('Deploy Model: replicas', '1');
      await wb.pick('Deploy Model: exposure', /^Cluster only/);
      await wb.pick('Deploy Model: network access', /^Only this namespace/);
      await wb.answerInput('Deploy Model: endpoint name', 'e2e-llm');
      await wb.quickInputStep('Deploy Model: e2e-llm');
      await ctx.screenshot('deploy-confirm', wb.quickInput());
      await wb.pick('Deploy Model: e2e-llm', /^Deploy$/);

      const item = await wb.treeItem('Endpoints', /^e2e-llm/, 30_000);
      await ctx.waitFor(
        async () => /ready · 1\/1/.test(await item.innerText()),
        60_000,
        'e2e-llm to be ready',
      );
      await ctx.screenshot('endpoints-view', wb.view('Endpoints'));

      // Clicking an endpoint opens the Playground on it (its default command).
      await item.click();
      const playground = await wb.webview(/^Model Playground/, 30_000);
      await ctx.waitFor(
        async () =>
          (await playground.getByLabel('Model 1').locator('option').allInnerTexts()).some(
            (text) => text.length > 0 && !/loading/.test(text),
          ),
        30_000,
        'the served models to load',
      );
      await playground.getByLabel('System prompt').fill('You are a concise assistant.');
      await playground
        .getByLabel('Prompt', { exact: true })
        .fill('Explain what a Kubernetes Deployment is in one sentence.');
      await playground.getByRole('button', { name: 'Send' }).click();
      const figures = playground.locator('.figures').first();
      await ctx.waitFor(
        async () =>
          (await playground.locator('.message.assistant .text').first().innerText()).length > 0,
        30_000,
        'tokens to stream in',
      );
      await ctx.screenshot('playground-streaming', wb.editorArea());
      await ctx.waitFor(
        async () => /TTFT \d+ ms/.test(await figures.innerText()),
        60_000,
        'the answer to finish with latency figures',
      );
      const text = await figures.innerText();
      ctx.log(`playground: ${text}`);
      assert.match(text, /TTFT \d+ ms · [\d.]+ tokens\/s/);
      await ctx.screenshot('playground-answered', wb.editorArea());
    } finally {
      await testNamespace.delete();
    }
  },
};
