import * as https from 'node:https';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { Watch, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import WebSocket from 'ws';
import { Emitter } from './emitter';
import { KubeMlError, toKubeMlError } from './errors';
import { isUsablePod, resolveRunningPod, readPod } from './podResolver';
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
  /** Pre-opened tunnels to the current pod waiting for connections (at most MAX_WARM_TUNNELS). */
  readonly warmTunnels: number;
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

interface CachedSecureContext {
  readonly ca: unknown;
  readonly cert: unknown;
  readonly key: unknown;
  readonly context: tls.SecureContext;
}

/** The kubeconfig may hand out fresh Buffers each time: compare contents, not identity. */
function sameMaterial(a: unknown, b: unknown): boolean {
  return a === b || (Buffer.isBuffer(a) && Buffer.isBuffer(b) && a.equals(b));
}

/** Per agent (one per forward), the TLS context built from the kubeconfig's CA and client key pair. */
const secureContexts = new WeakMap<https.Agent, CachedSecureContext>();

/**
 * Parsing the CA and key pair into a TLS context costs ~0.7 ms of CPU per connection; a forward
 * opening a WebSocket per TCP connection reuses the one it built, as long as the kubeconfig still
 * yields the same material (a refreshed client certificate builds a new one).
 */
function reuseSecureContext(agent: https.Agent, options: WebSocket.ClientOptions & { secureContext?: tls.SecureContext }): void {
  const { ca, cert, key } = options;
  if (options.secureContext || options.pfx || (ca === undefined && cert === undefined && key === undefined)) return;
  let cached = secureContexts.get(agent);
  if (!cached || !sameMaterial(cached.ca, ca) || !sameMaterial(cached.cert, cert) || !sameMaterial(cached.key, key)) {
    cached = { ca, cert, key, context: tls.createSecureContext({ ca, cert, key, passphrase: options.passphrase }) };
    secureContexts.set(agent, cached);
  }
  options.secureContext = cached.context;
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
  if (agent && server.startsWith('https:')) {
    options.agent = agent;
    reuseSecureContext(agent, options);
  }
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
/** Without a live pod watch, a resolved pod is reused this long without asking the API server again. */
const RESOLVE_REUSE_MS = 1000;
/** At most this many pre-opened tunnels wait for connections (grown one by one by cold connections). */
export const MAX_WARM_TUNNELS = 4;
/** A warm tunnel is recycled after this long: servers close connections that never send a request. */
const WARM_MAX_AGE_MS = 10_000;
/** No new connection for this long: the pool empties, so an idle forward holds no pod connection. */
const WARM_IDLE_MS = 30_000;
/**
 * After a warm tunnel is taken, its replacement opens once the pod answered on it (or after this
 * long): opening a WebSocket costs the API server and us CPU that would otherwise delay that answer.
 */
const REFILL_DELAY_MS = 15;
/** Wait before watching the pods again after the watch ended. */
const WATCH_RETRY_MS = 1000;
const WATCH_MAX_RETRY_MS = 60_000;
/** A watch that lasted this long was healthy: the next one starts without backoff. */
const WATCH_HEALTHY_MS = 10_000;

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

/**
 * A tunnel opened before any TCP connection needs it. Until `attach`, bytes the pod sends first
 * (an SSH banner) are kept and the WebSocket is paused, so nothing is lost or unbounded.
 */
class WarmTunnel {
  tunnel: PodPortTunnel | undefined;
  podName = '';
  expiry: NodeJS.Timeout | undefined;
  /** Closed on purpose (recycled, pool dropped): its close event is not a failure. */
  retired = false;
  private sink: PodPortTunnelEvents | undefined;
  private early: Buffer[] = [];

  constructor(private readonly onIdleEnd: (warm: WarmTunnel, failure: string | undefined) => void) {}

  readonly events: PodPortTunnelEvents = {
    onData: (data) => {
      if (this.sink) return this.sink.onData(data);
      this.early.push(data);
      this.tunnel?.pause();
    },
    onError: (message) => (this.sink ? this.sink.onError(message) : this.onIdleEnd(this, message)),
    onClose: () => (this.sink ? this.sink.onClose() : this.onIdleEnd(this, undefined)),
  };

  setTunnel(tunnel: PodPortTunnel, podName: string): void {
    this.tunnel = tunnel;
    this.podName = podName;
    if (this.early.length > 0) tunnel.pause();
  }

  attach(sink: PodPortTunnelEvents): void {
    clearTimeout(this.expiry);
    this.sink = sink;
    const early = this.early;
    this.early = [];
    for (const data of early) sink.onData(data);
    this.tunnel?.resume();
  }

  retire(): void {
    clearTimeout(this.expiry);
    this.retired = true;
    this.tunnel?.close();
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
  private resolved: { podName: string; created: number; at: number } | undefined;
  private resolving: Promise<string> | undefined;
  private lastPodName: string | undefined;
  /** Caches TLS sessions: every TCP connection opens its own WebSocket, resumption makes that cheap. */
  private readonly tlsAgent = new https.Agent({ maxCachedSessions: 16 });
  /**
   * Pre-opened tunnels to the resolved pod, so a new TCP connection is piped at once instead of
   * waiting for TLS + upgrade + the API server's proxy (the bulk of connection setup time). Only
   * used while the pod watch runs: it tells us at once when the pod goes away or is replaced.
   */
  private readonly warm: WarmTunnel[] = [];
  private warmOpening = 0;
  private warmTarget = 1;
  private poolGeneration = 0;
  private lastAcceptAt = Date.now();
  private watch: { abort(): void } | undefined;
  private watchLive = false;
  private watchToken: object | undefined;
  private watchBackoffMs = WATCH_RETRY_MS;
  private watchRetry: NodeJS.Timeout | undefined;
  private refillTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly kubeConfig: KubeConfig,
    private readonly target: PortForwardTarget,
  ) {
    this.server = net.createServer({ noDelay: true }, (socket) => this.accept(socket));
  }

  get state(): PortForwardState {
    return this.status.state;
  }

  private get stopped(): boolean {
    return this.status.state === 'stopped';
  }

  get warmTunnels(): number {
    return this.warm.length;
  }

  async start(): Promise<void> {
    // Watch first, so a pod change between the lookup below and the watch's start cannot be missed.
    await this.startWatch();
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
    this.lastAcceptAt = Date.now();
    this.refillPool();
  }

  url(path = '/'): string {
    return `http://127.0.0.1:${this.localPort}${path.startsWith('/') ? path : `/${path}`}`;
  }

  onDidChangeState(listener: Listener<PortForwardStatus>): Disposable {
    return this.stateEmitter.event(listener);
  }

  onDidChangeStats(listener: Listener<PortForwardStats>): Disposable {
    return this.statsEmitter.event(listener);
  }

  dispose(): void {
    if (this.status.state === 'stopped') return;
    this.setStatus({ state: 'stopped' });
    this.server.close();
    for (const socket of this.sockets) socket.destroy();
    clearTimeout(this.statsTimer);
    clearTimeout(this.watchRetry);
    clearTimeout(this.refillTimer);
    this.watchLive = false;
    this.watchToken = undefined;
    this.watch?.abort();
    this.watch = undefined;
    this.dropPool();
    this.tlsAgent.destroy();
    this.stateEmitter.dispose();
    this.statsEmitter.dispose();
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

  /**
   * Watches the target's pods so the resolved pod (and the warm tunnels to it) are dropped the
   * moment it is deleted, stops running or a newer pod matches. Without the watch (no watch
   * permission, API server away) the forward still works: each connection resolves and opens cold.
   */
  private async startWatch(): Promise<void> {
    if (this.stopped) return;
    const path = `/api/v1/namespaces/${encodeURIComponent(this.target.namespace)}/pods`;
    const query = this.target.podSelector ? { labelSelector: this.target.podSelector } : { fieldSelector: `metadata.name=${this.target.podName ?? ''}` };
    const token = {};
    this.watchToken = token;
    const startedAt = Date.now();
    const ended = () => {
      if (this.watchToken !== token) return;
      this.watchToken = undefined;
      this.watchLive = false;
      this.watch = undefined;
      // Events may be missed until the next watch: forget what it vouched for.
      this.invalidatePod();
      if (this.stopped) return;
      // A watch refused or cut at once (no permission, API server away) is retried ever more slowly.
      this.watchBackoffMs = Date.now() - startedAt > WATCH_HEALTHY_MS ? WATCH_RETRY_MS : Math.min(this.watchBackoffMs * 2, WATCH_MAX_RETRY_MS);
      this.watchRetry = setTimeout(() => void this.startWatch(), this.watchBackoffMs);
    };
    try {
      const watch = await new Watch(this.kubeConfig).watch(path, { ...query, timeoutSeconds: 240 + Math.floor(Math.random() * 60) }, (type: string, pod: V1Pod) => this.onPodEvent(type, pod), ended);
      if (this.stopped) {
        watch.abort();
        return;
      }
      if (this.watchToken !== token) return; // already ended
      this.watch = watch;
      this.watchLive = true;
    } catch {
      ended();
    }
  }

  private onPodEvent(type: string, pod: V1Pod): void {
    const current = this.resolved;
    if (!current || type === 'BOOKMARK' || !pod?.metadata?.name) return;
    const name = pod.metadata.name;
    if (name === current.podName) {
      if (type === 'DELETED' || type === 'ERROR' || !isUsablePod(pod)) this.invalidatePod();
    } else if (type !== 'DELETED' && isUsablePod(pod) && new Date(pod.metadata.creationTimestamp ?? 0).getTime() > current.created) {
      // A newer pod matches: new connections go there (what resolveRunningPod would pick).
      this.invalidatePod();
    }
  }

  /** The resolved pod is stale: forget it and its warm tunnels; the next connection resolves again. */
  private invalidatePod(): void {
    this.resolved = undefined;
    this.dropPool();
  }

  /** The pod to tunnel to; `fresh` skips the cache (after a failure). */
  private async currentPod(fresh: boolean): Promise<string> {
    // While the watch runs it invalidates the cache itself, so a resolved pod stays good.
    if (!fresh && this.resolved && (this.watchLive || Date.now() - this.resolved.at < RESOLVE_REUSE_MS)) {
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
    this.resolved = { podName, created: new Date(pod.metadata?.creationTimestamp ?? 0).getTime(), at: Date.now() };
    return podName;
  }

  /** Drops every warm tunnel (pod changed, a warm tunnel failed, dispose); openings in flight are discarded. */
  private dropPool(): void {
    this.poolGeneration++;
    for (const warm of this.warm.splice(0)) warm.retire();
  }

  /** Opens warm tunnels up to the target size; the target falls to zero once the forward is idle. */
  private refillPool(): void {
    clearTimeout(this.refillTimer);
    this.refillTimer = undefined;
    if (this.status.state === 'stopped' || !this.watchLive) return;
    if (Date.now() - this.lastAcceptAt > WARM_IDLE_MS) this.warmTarget = 0;
    for (let missing = this.warmTarget - this.warm.length - this.warmOpening; missing > 0; missing--) void this.openWarm();
  }

  private async openWarm(): Promise<void> {
    const generation = this.poolGeneration;
    this.warmOpening++;
    const warm = new WarmTunnel((ended, failure) => this.onWarmEnded(ended, failure));
    let tunnel: PodPortTunnel;
    let podName: string;
    try {
      podName = await this.currentPod(false);
      tunnel = await openPodPortTunnel(this.kubeConfig, this.target.namespace, podName, this.target.remotePort, warm.events, this.tlsAgent);
    } catch {
      // Not retried here: the next connection opens cold and reports the failure properly.
      return;
    } finally {
      this.warmOpening--;
    }
    warm.setTunnel(tunnel, podName);
    if (generation !== this.poolGeneration || this.status.state === 'stopped' || warm.retired) {
      warm.retire();
      return;
    }
    warm.expiry = setTimeout(() => {
      this.removeWarm(warm);
      warm.retire();
      this.refillPool();
    }, WARM_MAX_AGE_MS);
    this.warm.push(warm);
  }

  /** A warm tunnel closed or failed before any connection took it. */
  private onWarmEnded(warm: WarmTunnel, failure: string | undefined): void {
    if (warm.retired) return;
    warm.retired = true;
    clearTimeout(warm.expiry);
    this.removeWarm(warm);
    // A failing pod side (port closed, pod gone) would fail the next warm tunnels too: stop
    // pre-opening; the next connection goes the cold way, which reports the error.
    if (failure !== undefined) this.dropPool();
  }

  private removeWarm(warm: WarmTunnel): void {
    const index = this.warm.indexOf(warm);
    if (index >= 0) this.warm.splice(index, 1);
  }

  /** A warm tunnel to the current pod, if one waits; grows the pool when none did. */
  private takeWarm(): WarmTunnel | undefined {
    this.lastAcceptAt = Date.now();
    let taken: WarmTunnel | undefined;
    if (this.watchLive && this.resolved) {
      while (!taken && this.warm.length > 0) {
        const candidate = this.warm.shift()!;
        if (candidate.podName === this.resolved.podName && !candidate.retired) taken = candidate;
        else candidate.retire();
      }
    }
    if (taken) {
      this.refillTimer ??= setTimeout(() => this.refillPool(), REFILL_DELAY_MS);
      return taken;
    }
    if (this.warmTarget < MAX_WARM_TUNNELS) this.warmTarget++;
    this.refillPool();
    return undefined;
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
    const events: PodPortTunnelEvents = {
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
    };
    const pipe = (opened: PodPortTunnel) => {
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
    };
    const warm = this.takeWarm();
    if (warm?.tunnel) {
      pipe(warm.tunnel);
      this.setStatus({ state: 'ready', podName: warm.podName });
      let answered = false;
      warm.attach({
        ...events,
        onData: (data) => {
          if (!answered) {
            answered = true;
            if (this.refillTimer) this.refillPool();
          }
          events.onData(data);
        },
      });
      return;
    }
    this.connect(events).then(pipe, () => finish());
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
