import * as https from 'node:https';
import * as net from 'node:net';
import type { KubeConfig, V1Pod } from '@kubernetes/client-node';
import WebSocket from 'ws';
import { KubeMlError, toKubeMlError } from './errors';
import { resolveRunningPod, readPod } from './podResolver';
import type { Disposable, Listener } from './session';

/** What to forward: a fixed pod, or (better) the pods behind a selector, re-resolved per connection. */
export interface PortForwardTarget {
  readonly namespace: string;
  readonly podSelector?: string;
  readonly podName?: string;
  readonly remotePort: number;
  /** Preferred local port; when taken, a free one is chosen. Default: the remote port number. */
  readonly localPort?: number;
  /** Start listening even when no pod runs yet (restored forwards of a stopped dev pod). */
  readonly waitForPod?: boolean;
}

export type PortForwardState = 'starting' | 'ready' | 'waitingForPod' | 'reconnecting' | 'error' | 'stopped';

export interface PortForwardStats {
  bytesIn: number;
  bytesOut: number;
  /** TCP connections accepted since the start. */
  connections: number;
  /** Connections currently open. */
  activeConnections: number;
  /** Times the forward had to find the pod again (pod restarted, recreated or a tunnel failed). */
  reconnects: number;
}

export interface PortForwardStatus {
  readonly state: PortForwardState;
  /** The pod the last connection went to. */
  readonly podName?: string;
  /** Why the state is waitingForPod/error. */
  readonly message?: string;
}

export interface PortForwardHandle extends Disposable {
  readonly localPort: number;
  url(path?: string): string;
  readonly stats: Readonly<PortForwardStats>;
  readonly state: PortForwardState;
  readonly status: PortForwardStatus;
  onDidChangeState(listener: Listener<PortForwardStatus>): Disposable;
  /** Fires at most once a second while traffic flows. */
  onDidChangeStats(listener: Listener<PortForwardStats>): Disposable;
}

/** One TCP-like byte stream to a pod port, carried by one WebSocket (v4.channel.k8s.io framing). */
export interface PodPortTunnel {
  send(data: Buffer, done?: (error?: Error) => void): void;
  /** Bytes queued in the WebSocket but not yet sent. */
  readonly bufferedAmount: number;
  pause(): void;
  resume(): void;
  close(): void;
}

export interface PodPortTunnelEvents {
  onData(data: Buffer): void;
  /** The pod side reported an error (for example nothing listens on the port). */
  onError(message: string): void;
  onClose(): void;
}

/**
 * Opens a WebSocket to an API server streaming path with the kubeconfig's credentials (client
 * certificate, token or exec plugin, all applied by client-node). Rejects with the server's answer.
 */
export async function openChannelSocket(kubeConfig: KubeConfig, path: string, protocol: string, agent?: https.Agent): Promise<WebSocket> {
  const server = kubeConfig.getCurrentCluster()?.server;
  if (!server) {
    throw new KubeMlError('noCluster', 'The kubeconfig context names no cluster server.', 'Pick another context.');
  }
  const options: WebSocket.ClientOptions = { perMessageDeflate: false };
  await kubeConfig.applyToHTTPSOptions(options);
  if (agent && server.startsWith('https:')) options.agent = agent;
  const url = `${server.replace(/^http/, 'ws').replace(/\/$/, '')}${path}`;
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, [protocol], options);
    socket.binaryType = 'nodebuffer';
    const onError = (error: Error) => reject(error);
    socket.once('error', onError);
    socket.once('unexpected-response', (_request, response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      response.on('end', () => reject(Object.assign(new Error(`${response.statusCode} ${body}`), { code: response.statusCode, body })));
    });
    socket.once('open', () => {
      socket.off('error', onError);
      resolve(socket);
    });
  });
}

const DATA_CHANNEL = 0;
const ERROR_CHANNEL = 1;

/** Opens one port-forward WebSocket to `podName:port` through the API server. */
export async function openPodPortTunnel(kubeConfig: KubeConfig, namespace: string, podName: string, port: number, events: PodPortTunnelEvents, agent?: https.Agent): Promise<PodPortTunnel> {
  const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(podName)}/portforward?ports=${port}`;
  const socket = await openChannelSocket(kubeConfig, path, 'v4.channel.k8s.io', agent);
  // Every channel's first message starts with the 2-byte port number; strip it once per channel.
  const sawPortPrefix = [false, false];
  let errorText = '';
  socket.on('message', (data: Buffer) => {
    const channel = data[0];
    let payload = data.subarray(1);
    if (channel <= ERROR_CHANNEL && !sawPortPrefix[channel]) {
      sawPortPrefix[channel] = true;
      payload = payload.subarray(2);
    }
    if (channel === DATA_CHANNEL) {
      if (payload.length > 0) events.onData(payload);
    } else if (channel === ERROR_CHANNEL && payload.length > 0) {
      errorText += payload.toString('utf8');
      events.onError(errorText);
    }
  });
  socket.on('close', () => events.onClose());
  socket.on('error', (error) => events.onError(error.message));
  return {
    send(data, done) {
      const frame = Buffer.allocUnsafe(data.length + 1);
      frame[0] = DATA_CHANNEL;
      data.copy(frame, 1);
      socket.send(frame, done);
    },
    get bufferedAmount() {
      return socket.bufferedAmount;
    },
    pause: () => socket.pause(),
    resume: () => socket.resume(),
    close: () => socket.close(),
  };
}

/** Pauses the sender while the other side has this much unsent data queued. */
const HIGH_WATER_MARK = 4 * 1024 * 1024;
/** Within this window a resolved pod is reused without asking the API server again. */
const RESOLVE_REUSE_MS = 1000;

class Emitter<T> {
  private readonly listeners = new Set<Listener<T>>();
  on(listener: Listener<T>): Disposable {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }
  fire(event: T): void {
    for (const listener of [...this.listeners]) listener(event);
  }
  clear(): void {
    this.listeners.clear();
  }
}

function listenOn(server: net.Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => {
      server.off('listening', onListening);
      reject(error);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve((server.address() as net.AddressInfo).port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, '127.0.0.1');
  });
}

/** Listens on `preferred` (same number as the remote port when free), else on any free port. */
async function listenPreferring(server: net.Server, preferred: number): Promise<number> {
  try {
    return await listenOn(server, preferred);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' && (error as NodeJS.ErrnoException).code !== 'EACCES') throw error;
    return listenOn(server, 0);
  }
}

class PortForwarder implements PortForwardHandle {
  readonly stats: PortForwardStats = { bytesIn: 0, bytesOut: 0, connections: 0, activeConnections: 0, reconnects: 0 };
  status: PortForwardStatus = { state: 'starting' };
  localPort = 0;
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private readonly stateEmitter = new Emitter<PortForwardStatus>();
  private readonly statsEmitter = new Emitter<PortForwardStats>();
  private statsTimer: NodeJS.Timeout | undefined;
  private resolved: { podName: string; at: number } | undefined;
  private resolving: Promise<string> | undefined;
  private lastPodName: string | undefined;
  /** Caches TLS sessions: every TCP connection opens its own WebSocket, resumption makes that cheap. */
  private readonly tlsAgent = new https.Agent({ maxCachedSessions: 16 });

  constructor(
    private readonly kubeConfig: KubeConfig,
    private readonly target: PortForwardTarget,
  ) {
    this.server = net.createServer({ noDelay: true }, (socket) => this.accept(socket));
  }

  get state(): PortForwardState {
    return this.status.state;
  }

  async start(): Promise<void> {
    try {
      this.setStatus({ state: 'ready', podName: await this.currentPod(true) });
    } catch (error) {
      if (!this.target.waitForPod) throw error;
      this.setStatus({ state: 'waitingForPod', message: (error as Error).message });
    }
    try {
      this.localPort = await listenPreferring(this.server, this.target.localPort ?? this.target.remotePort);
    } catch (error) {
      throw new KubeMlError('unknown', `Could not listen on 127.0.0.1 for the port forward: ${(error as Error).message}.`, 'Choose another local port.');
    }
  }

  url(path = '/'): string {
    return `http://127.0.0.1:${this.localPort}${path.startsWith('/') ? path : `/${path}`}`;
  }

  onDidChangeState(listener: Listener<PortForwardStatus>): Disposable {
    return this.stateEmitter.on(listener);
  }

  onDidChangeStats(listener: Listener<PortForwardStats>): Disposable {
    return this.statsEmitter.on(listener);
  }

  dispose(): void {
    if (this.status.state === 'stopped') return;
    this.setStatus({ state: 'stopped' });
    this.server.close();
    for (const socket of this.sockets) socket.destroy();
    clearTimeout(this.statsTimer);
    this.tlsAgent.destroy();
    this.stateEmitter.clear();
    this.statsEmitter.clear();
  }

  private setStatus(status: PortForwardStatus): void {
    if (this.status.state === 'stopped') return;
    const changed = status.state !== this.status.state || status.podName !== this.status.podName || status.message !== this.status.message;
    this.status = status;
    if (changed) this.stateEmitter.fire(status);
  }

  private statsChanged(): void {
    this.statsTimer ??= setTimeout(() => {
      this.statsTimer = undefined;
      this.statsEmitter.fire(this.stats);
    }, 1000);
  }

  /** The pod to tunnel to; `fresh` skips the short reuse window (after a failure). */
  private async currentPod(fresh: boolean): Promise<string> {
    if (!fresh && this.resolved && Date.now() - this.resolved.at < RESOLVE_REUSE_MS) {
      return this.resolved.podName;
    }
    this.resolving ??= this.resolvePod().finally(() => (this.resolving = undefined));
    return this.resolving;
  }

  private async resolvePod(): Promise<string> {
    let pod: V1Pod;
    if (this.target.podSelector) {
      pod = await resolveRunningPod(this.kubeConfig, this.target.namespace, this.target.podSelector);
    } else if (this.target.podName) {
      pod = await readPod(this.kubeConfig, this.target.namespace, this.target.podName);
    } else {
      throw new KubeMlError('invalidInput', 'A port forward needs a pod name or a pod selector.');
    }
    const podName = pod.metadata!.name!;
    if (this.lastPodName !== undefined && this.lastPodName !== podName) {
      // The pod behind the selector was replaced: we followed it.
      this.stats.reconnects++;
    }
    this.lastPodName = podName;
    this.resolved = { podName, at: Date.now() };
    return podName;
  }

  private async connect(events: PodPortTunnelEvents): Promise<PodPortTunnel> {
    const attempt = async (fresh: boolean) => {
      const podName = await this.currentPod(fresh);
      const tunnel = await openPodPortTunnel(this.kubeConfig, this.target.namespace, podName, this.target.remotePort, events, this.tlsAgent);
      this.setStatus({ state: 'ready', podName });
      return tunnel;
    };
    try {
      return await attempt(false);
    } catch (firstError) {
      if (this.status.state === 'stopped') throw firstError;
      // The pod may have been recreated under the same labels: find it again and retry once.
      this.setStatus({ state: 'reconnecting', podName: this.lastPodName, message: (firstError as Error).message });
      const previous = this.lastPodName;
      try {
        const tunnel = await attempt(true);
        if (previous === this.lastPodName) this.stats.reconnects++;
        return tunnel;
      } catch (error) {
        const failure = toKubeMlError(error, `forward port ${this.target.remotePort} in ${this.target.namespace}`);
        this.setStatus({ state: failure.kind === 'notFound' ? 'waitingForPod' : 'error', message: failure.summary });
        throw failure;
      }
    }
  }

  private accept(socket: net.Socket): void {
    this.sockets.add(socket);
    this.stats.connections++;
    this.stats.activeConnections++;
    this.statsChanged();
    socket.pause();
    let tunnel: PodPortTunnel | undefined;
    let closed = false;
    const finish = () => {
      if (closed) return;
      closed = true;
      this.sockets.delete(socket);
      this.stats.activeConnections--;
      this.statsChanged();
      socket.destroy();
      tunnel?.close();
    };
    socket.on('close', finish);
    socket.on('error', finish);
    socket.on('end', finish);
    socket.on('drain', () => tunnel?.resume());
    this.connect({
      onData: (data) => {
        this.stats.bytesIn += data.length;
        this.statsChanged();
        if (!socket.write(data)) tunnel?.pause();
      },
      onError: (message) => {
        this.setStatus({ state: 'error', podName: this.lastPodName, message: message.trim() });
        finish();
      },
      onClose: finish,
    }).then(
      (opened) => {
        tunnel = opened;
        if (closed) {
          opened.close();
          return;
        }
        socket.on('data', (data: Buffer) => {
          this.stats.bytesOut += data.length;
          this.statsChanged();
          opened.send(data, () => {
            if (opened.bufferedAmount < HIGH_WATER_MARK) socket.resume();
          });
          if (opened.bufferedAmount >= HIGH_WATER_MARK) socket.pause();
        });
        socket.resume();
      },
      () => finish(),
    );
  }
}

/**
 * Forwards 127.0.0.1:<localPort> to `remotePort` of the target pod. One WebSocket per accepted
 * TCP connection (so a browser's parallel requests do not queue behind each other); the pod
 * behind `podSelector` is looked up again for new connections, so the forward survives the
 * pod being restarted or recreated.
 */
export async function startPortForward(kubeConfig: KubeConfig, target: PortForwardTarget): Promise<PortForwardHandle> {
  const forwarder = new PortForwarder(kubeConfig, target);
  try {
    await forwarder.start();
  } catch (error) {
    forwarder.dispose();
    throw toKubeMlError(error, `forward port ${target.remotePort} of ${target.podSelector ?? target.podName} in ${target.namespace}`);
  }
  return forwarder;
}
