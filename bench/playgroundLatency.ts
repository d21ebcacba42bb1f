// Playground latency against the sandbox's OpenAI-compatible server: time to first token and
// tokens/s through our stack (managed port-forward + streaming client + SSE parser), against curl
// through the same forward (the playground's own overhead) and curl through `kubectl port-forward`
// (the usual manual route), all in the same run. `npm run bench -- playgroundLatency`.
import { spawn, type ChildProcess } from 'node:child_process';
import * as http from 'node:http';
import { performance } from 'node:perf_hooks';
import { startPortForward } from '../src/cluster/portForward';
import { applyEndpoint } from '../src/serving/endpointApi';
import { podSelectorOf } from '../src/serving/model/labels';
import { buildCompletionRequest, DEFAULT_PARAMETERS } from '../src/serving/model/playgroundRequest';
import { parseCompletionEvent, SseParser } from '../src/serving/model/sse';
import { ensureModelVolume } from '../src/serving/modelUpload';
import { listModels, streamCompletion } from '../src/serving/openAiClient';
import { waitForRollout } from '../src/serving/rolloutTracker';
import {
  ADMIN_CONTEXT,
  createTestNamespace,
  deleteTestNamespace,
  SANDBOX_KUBECONFIG,
  sandboxKubeConfig,
  waitFor,
} from '../test/cluster/sandbox';
import { figure, median, type Figure } from './figures';

const SAMPLES = Number(process.env.KMW_BENCH_SAMPLES) || 10;
const MAX_TOKENS = 64;

interface Sample {
  ttftMs: number;
  tokensPerSecond: number;
}

/** Times a completion stream the way the playground does: first content token, then the decode rate. */
class TokenTimer {
  private readonly started = performance.now();
  private readonly parser = new SseParser();
  private first: number | undefined;
  private last = 0;
  tokens = 0;

  push(chunk: Buffer): void {
    for (const event of this.parser.push(chunk)) {
      const delta = parseCompletionEvent(event);
      if (delta.text) {
        const now = performance.now();
        this.first ??= now;
        this.last = now;
        this.tokens += 1;
      }
      if (delta.usage) this.tokens = delta.usage.completionTokens;
    }
  }

  /** undefined when no content token came. */
  sample(): Sample | undefined {
    return this.first === undefined
      ? undefined
      : {
          ttftMs: this.first - this.started,
          tokensPerSecond: ((this.tokens - 1) * 1000) / (this.last - this.first),
        };
  }
}

/** curl -N through `baseUrl`, timing the first content token and the decode rate like the playground does. */
function curlSample(baseUrl: string, body: Record<string, unknown>): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const timer = new TokenTimer();
    const curl = spawn('curl', [
      '-sS',
      '-N',
      `${baseUrl.replace(/\/+$/, '')}/v1/chat/completions`,
      '-H',
      'Content-Type: application/json',
      '-d',
      JSON.stringify(body),
    ]);
    let raw = '';
    curl.stdout.on('data', (chunk: Buffer) => {
      if (raw.length < 2000) raw += chunk.toString();
      timer.push(chunk);
    });
    curl.on('error', reject);
    curl.on('close', (code) => {
      const sample = timer.sample();
      if (code !== 0 || !sample)
        return reject(
          new Error(`curl exited ${code} after ${timer.tokens} tokens: ${raw.slice(0, 500)}`),
        );
      resolve(sample);
    });
  });
}

/** A bare node:http request through `baseUrl` (no playground client), timed the same way. */
function directSample(baseUrl: string, body: Record<string, unknown>): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(body);
    const timer = new TokenTimer();
    const request = http.request(
      new URL('/v1/chat/completions', baseUrl),
      {
        method: 'POST',
        agent: false,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
        },
      },
      (response) => {
        response.on('data', (chunk: Buffer) => timer.push(chunk));
        response.on('end', () => {
          const sample = timer.sample();
          if (sample) resolve(sample);
          else reject(new Error('no tokens'));
        });
      },
    );
    request.on('error', reject);
    request.end(payload);
  });
}

async function kubectlPortForward(
  namespace: string,
  pod: string,
): Promise<{ url: string; process: ChildProcess }> {
  const child = spawn(
    'kubectl',
    [
      '--kubeconfig',
      SANDBOX_KUBECONFIG,
      '--context',
      ADMIN_CONTEXT,
      '-n',
      namespace,
      'port-forward',
      `pod/${pod}`,
      ':8000',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const port = await waitFor(
    () => /127\.0\.0\.1:(\d+)/.exec(output)?.[1],
    20_000,
    'kubectl port-forward to listen',
  );
  return { url: `http://127.0.0.1:${port}`, process: child };
}

export async function run(): Promise<Figure[]> {
  const kubeConfig = sandboxKubeConfig('admin');
  const namespace = await createTestNamespace('bench-playground');
  try {
    await ensureModelVolume(kubeConfig, {
      namespace,
      claimName: 'bench-model',
      endpointName: 'bench',
      minBytes: 1,
    });
    await applyEndpoint(
      kubeConfig,
      {
        name: 'bench',
        namespace,
        runtime: 'vllm',
        model: { claimName: 'bench-model', path: 'm', readOnly: true },
        gpus: 1,
        cpu: '1',
        memory: '2Gi',
        restrictedPodSecurity: true,
        scaling: { minReplicas: 1, maxReplicas: 1, targetCpuUtilization: 70 },
        exposure: { kind: 'cluster' },
      },
      'deployment',
    );
    await waitForRollout(kubeConfig, namespace, 'bench', {
      timeoutMs: 60_000,
      until: ['available'],
    });
    const pods = await waitFor(
      async () =>
        (
          await kubeConfig
            .makeApiClient((await import('@kubernetes/client-node')).CoreV1Api)
            .listNamespacedPod({ namespace, labelSelector: podSelectorOf('bench') })
        ).items.filter((pod) => pod.status?.phase === 'Running'),
      30_000,
      'a running server pod',
    );
    const forward = await startPortForward(kubeConfig, {
      namespace,
      podSelector: podSelectorOf('bench'),
      controller: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'bench' },
      remotePort: 8000,
      localPort: 0,
    });
    const reference = await kubectlPortForward(namespace, pods[0].metadata!.name!);
    try {
      const model = (await listModels(forward.url()))[0];
      const plan = buildCompletionRequest({
        mode: 'chat',
        model,
        systemPrompt: 'Be brief.',
        messages: [{ role: 'user', content: 'Explain attention in one paragraph.' }],
        parameters: { ...DEFAULT_PARAMETERS, maxTokens: MAX_TOKENS },
      });
      const ours: Sample[] = [];
      const directSameForward: Sample[] = [];
      const curlSameForward: Sample[] = [];
      const curlKubectl: Sample[] = [];
      // Warm-up: first connections pay for pod lookup and TLS to the API server on both routes.
      await streamCompletion(forward.url(), plan, () => undefined);
      await curlSample(reference.url, plan.body);
      for (let index = 0; index < SAMPLES; index += 1) {
        const result = await streamCompletion(forward.url(), plan, () => undefined);
        ours.push({
          ttftMs: result.figures.ttftMs ?? Number.NaN,
          tokensPerSecond: result.figures.tokensPerSecond ?? Number.NaN,
        });
        directSameForward.push(await directSample(forward.url(), plan.body));
        curlSameForward.push(await curlSample(forward.url(), plan.body));
        curlKubectl.push(await curlSample(reference.url, plan.body));
      }
      const ttft = (samples: Sample[]) => median(samples.map((sample) => sample.ttftMs));
      const speed = (samples: Sample[]) => median(samples.map((sample) => sample.tokensPerSecond));
      return [
        figure(
          'playground TTFT vs a bare HTTP request through the same forward (median)',
          ttft(ours),
          ttft(directSameForward),
          'ms',
          'lower',
          'node:http request, same forward',
        ),
        figure(
          'playground TTFT vs curl through the same forward (median, curl start-up included)',
          ttft(ours),
          ttft(curlSameForward),
          'ms',
          'lower',
          'curl -N through our port-forward',
        ),
        figure(
          'playground TTFT vs curl through kubectl port-forward (median)',
          ttft(ours),
          ttft(curlKubectl),
          'ms',
          'lower',
          'kubectl port-forward + curl -N',
        ),
        figure(
          'playground tokens/s vs curl through kubectl port-forward (median)',
          speed(ours),
          speed(curlKubectl),
          'tokens/s',
          'higher',
          'kubectl port-forward + curl -N',
        ),
      ];
    } finally {
      forward.dispose();
      reference.process.kill();
    }
  } finally {
    await deleteTestNamespace(namespace);
  }
}
