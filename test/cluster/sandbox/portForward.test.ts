import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import * as k8s from '@kubernetes/client-node';
import {
  createTestNamespace,
  deleteTestNamespace,
  sandboxKubeConfig,
  waitForPodPhase,
} from '../sandbox';
import { trainingPod } from './testPods';

/** A local listener that tunnels each accepted connection to the pod port over the API server. */
async function forward(
  kubeConfig: k8s.KubeConfig,
  namespace: string,
  pod: string,
  podPort: number,
): Promise<{ port: number; close: () => void }> {
  const portForward = new k8s.PortForward(kubeConfig);
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    portForward
      .portForward(namespace, pod, [podPort], socket, null, socket)
      .catch(() => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}

function request(
  port: number,
  path: string,
  body?: unknown,
): Promise<{ status: number; text: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: payload ? 'POST' : 'GET',
        agent: false,
        headers: payload
          ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) }
          : {},
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          text += chunk;
        });
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, text, headers: response.headers }),
        );
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

describe('sandbox: port-forward', () => {
  const kubeConfig = sandboxKubeConfig('admin');
  const core = kubeConfig.makeApiClient(k8s.CoreV1Api);
  let namespace = '';

  before(async () => {
    namespace = await createTestNamespace('sandbox-pf');
    await core.createNamespacedPod({ namespace, body: trainingPod('server', 1) });
    await waitForPodPhase(namespace, 'server');
  });
  after(async () => {
    await deleteTestNamespace(namespace);
  });

  it('carries several concurrent connections to the Jupyter-like server on 8888', async () => {
    const tunnel = await forward(kubeConfig, namespace, 'server', 8888);
    try {
      const responses = await Promise.all(
        Array.from({ length: 6 }, (_, index) => request(tunnel.port, index % 2 ? '/api' : '/lab')),
      );
      for (const [index, response] of responses.entries()) {
        assert.equal(response.status, 200);
        if (index % 2) assert.deepEqual(JSON.parse(response.text), { version: '2.14.2' });
        else assert.match(response.text, /JupyterLab/);
      }
    } finally {
      tunnel.close();
    }
  });

  it('streams an OpenAI-compatible chat completion as SSE through 8000', async () => {
    const tunnel = await forward(kubeConfig, namespace, 'server', 8000);
    try {
      assert.equal((await request(tunnel.port, '/health')).status, 200);
      const models = JSON.parse((await request(tunnel.port, '/v1/models')).text) as {
        data: Array<{ id: string }>;
      };
      assert.ok(models.data.length >= 1);
      const model = models.data[0].id;
      const started = Date.now();
      const response = await request(tunnel.port, '/v1/chat/completions', {
        model,
        stream: true,
        max_tokens: 8,
        messages: [{ role: 'user', content: 'Say hello' }],
      });
      const elapsed = Date.now() - started;
      assert.equal(response.status, 200);
      assert.match(String(response.headers['content-type']), /text\/event-stream/);
      const events = response.text
        .split('\n\n')
        .filter(Boolean)
        .map((event) => event.replace(/^data: /, ''));
      assert.equal(events.at(-1), '[DONE]');
      const chunks = events.slice(0, -1).map(
        (event) =>
          JSON.parse(event) as {
            model: string;
            choices: Array<{ delta?: { content?: string } }>;
          },
      );
      const tokens = chunks.flatMap((chunk) =>
        chunk.choices.map((choice) => choice.delta?.content).filter((content) => content),
      );
      assert.equal(tokens.length, 8);
      assert.ok(chunks.every((chunk) => chunk.model === model));
      assert.ok(elapsed >= 8 * 30, `tokens arrive at a steady rate, not at once (${elapsed} ms)`);

      const plain = JSON.parse(
        (await request(tunnel.port, '/v1/completions', { model, prompt: 'Hello', max_tokens: 5 }))
          .text,
      ) as {
        object: string;
        choices: Array<{ text: string }>;
        usage: { completion_tokens: number };
      };
      assert.equal(plain.object, 'text_completion');
      assert.equal(plain.usage.completion_tokens, 5);
      assert.ok(plain.choices[0].text.length > 0);
    } finally {
      tunnel.close();
    }
  });

  it('reaches the TensorBoard-like page on 6006', async () => {
    const tunnel = await forward(kubeConfig, namespace, 'server', 6006);
    try {
      const page = await request(tunnel.port, '/');
      assert.equal(page.status, 200);
      assert.match(page.text, /TensorBoard/);
      assert.deepEqual(JSON.parse((await request(tunnel.port, '/data/runs')).text), ['run-1']);
    } finally {
      tunnel.close();
    }
  });
});
