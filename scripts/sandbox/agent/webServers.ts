// The HTTP servers behind pod ports: 8888 a Jupyter-like server, 8000 the OpenAI-compatible
// server, 6006 a TensorBoard-like page. One shared set listens on 127.0.0.1 ephemeral ports (the
// targets of every pod's PortForward object); each running pod also gets listeners on its own
// loopback pod IP so the API server's pod/service proxy reaches the same handlers.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleOpenAi } from './openaiServer';

export type PodPortKind = 'jupyter' | 'openai' | 'tensorboard';
export const POD_PORT_MAP: Record<number, PodPortKind> = {
  8888: 'jupyter',
  8000: 'openai',
  6006: 'tensorboard',
};

function html(response: http.ServerResponse, title: string, body: string): void {
  const page = `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body>${body}</body></html>`;
  response.writeHead(200, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': Buffer.byteLength(page),
  });
  response.end(page);
}

function json(response: http.ServerResponse, body: unknown, status = 200): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
  });
  response.end(text);
}

const started = new Date().toISOString();

function handleJupyter(request: http.IncomingMessage, response: http.ServerResponse): void {
  const url = new URL(request.url ?? '/', 'http://sandbox');
  response.setHeader('Server', 'kube-ml-sandbox-jupyter');
  if (url.pathname === '/api' || url.pathname === '/api/')
    return json(response, { version: '2.14.2' });
  if (url.pathname === '/api/status') {
    return json(response, {
      started,
      last_activity: new Date().toISOString(),
      connections: 0,
      kernels: 1,
    });
  }
  if (url.pathname === '/api/kernels') {
    return json(response, [
      {
        id: 'sandbox-kernel',
        name: 'python3',
        execution_state: 'idle',
        connections: 0,
        last_activity: started,
      },
    ]);
  }
  if (url.pathname === '/api/contents' || url.pathname === '/api/contents/') {
    return json(response, {
      name: '',
      path: '',
      type: 'directory',
      content: [{ name: 'train.ipynb', path: 'train.ipynb', type: 'notebook' }],
    });
  }
  if (url.pathname.startsWith('/api/'))
    return json(response, { message: 'Not found', reason: null }, 404);
  html(
    response,
    'JupyterLab',
    '<h1>JupyterLab</h1><p>Kube ML sandbox stand-in for a Jupyter server.</p><ul><li>train.ipynb</li></ul>',
  );
}

function handleTensorBoard(request: http.IncomingMessage, response: http.ServerResponse): void {
  const url = new URL(request.url ?? '/', 'http://sandbox');
  if (url.pathname === '/data/runs') return json(response, ['run-1']);
  if (url.pathname === '/data/plugins_listing')
    return json(response, { scalars: { enabled: true } });
  if (url.pathname === '/data/plugin/scalars/tags')
    return json(response, { 'run-1': { 'train/loss': {}, 'train/learning_rate': {} } });
  if (url.pathname === '/data/plugin/scalars/scalars') {
    const tag = url.searchParams.get('tag') ?? 'train/loss';
    const now = Date.now() / 1000;
    const points = Array.from({ length: 50 }, (_, step) => {
      const value = tag.includes('learning_rate')
        ? 5e-5 * (1 - step / 100)
        : 2.4 * Math.exp(-step / 15) + 0.3;
      return [now - (50 - step) * 10, step * 10, Number(value.toPrecision(4))];
    });
    return json(response, points);
  }
  html(
    response,
    'TensorBoard',
    '<h1>TensorBoard</h1><p>Kube ML sandbox stand-in: run-1, scalars train/loss and train/learning_rate.</p>',
  );
}

const HANDLERS: Record<PodPortKind, http.RequestListener> = {
  jupyter: handleJupyter,
  openai: handleOpenAi,
  tensorboard: handleTensorBoard,
};

function listen(kind: PodPortKind, host: string, port: number): Promise<http.Server> {
  return new Promise((resolve, reject) => {
    const server = http.createServer(HANDLERS[kind]);
    server.keepAliveTimeout = 5000;
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

/** The shared servers on 127.0.0.1 ephemeral ports; returns pod port -> local port. */
export async function startSharedServers(): Promise<{
  ports: Map<number, number>;
  servers: http.Server[];
}> {
  const ports = new Map<number, number>();
  const servers: http.Server[] = [];
  for (const [podPort, kind] of Object.entries(POD_PORT_MAP)) {
    const server = await listen(kind, '127.0.0.1', 0);
    servers.push(server);
    ports.set(Number(podPort), (server.address() as AddressInfo).port);
  }
  return { ports, servers };
}

/** Listens on podIP:8888/8000/6006; ports that cannot be bound are reported, not fatal. */
export async function listenOnPodIp(
  podIp: string,
  onError: (message: string) => void,
): Promise<http.Server[]> {
  const servers: http.Server[] = [];
  for (const [podPort, kind] of Object.entries(POD_PORT_MAP)) {
    try {
      servers.push(await listen(kind, podIp, Number(podPort)));
    } catch (error) {
      onError(`cannot listen on ${podIp}:${podPort}: ${(error as Error).message}`);
    }
  }
  return servers;
}

export function closeServers(servers: http.Server[]): void {
  for (const server of servers) {
    server.close();
    server.closeAllConnections();
  }
}
