import * as net from 'node:net';
import type { KubeConfig, V1Pod } from '@kubernetes/client-node';
import { Backoff } from './backoff';
import { Emitter } from './emitter';
import { KubeMlError, toKubeMlError } from './errors';
import {
  PodPortSession,
  type PodPortStream,
  type PodPortStreamEvents,
  type PortForwardTransport,
} from './podPortSession';
import { isUsablePod, resolveRunningPod, type PodTarget } from './podResolver';
import type { Disposable, Listener } from './session';
import { watchPath } from './watchSources';

/** What to forward: a pod by name, or a workload's pods behind a selector, re-resolved per connection. */
export interface PortForwardTarget extends PodTarget {
  readonly remotePort: number;
  /** Preferred local port; when taken, a free one is chosen. Default: the remote port number. */
  readonly localPort?: number;
  /** Start listening even when no pod runs yet (restored forwards of a stopped dev pod). */
  readonly waitForPod?: boolean;
}

export type PortForwardState =
  'starting' | 'ready' | 'waitingForPod' | 'reconnecting' | 'error' | 'stopped';

export interface PortForwardStats {
  bytesIn: number;
  bytesOut: number;
  /** TCP connections accepted since the start. */
  connections: number;
  /** Connections currently open. */
  activeConnections: number;
  /**
   * Times the forward connected to the pod again after its first connection: the pod was
   * recreated (under the same name or another) or the connection to the API server failed.
   */
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
  /** How the forward reaches the pod: kubectl's SPDY tunnelled in a WebSocket, or its SPDY upgrade fallback. */
  readonly transport: PortForwardTransport | undefined;
  /**
   * Fires on transitions: a new state or pod. A new message alone (the next refused connection of
   * an outage) updates `status` without an event, so an outage makes a few events, not hundreds.
   */
  onDidChangeState(listener: Listener<PortForwardStatus>): Disposable;
  /** Fires at most once a second while traffic flows. */
  onDidChangeStats(listener: Listener<PortForwardStats>): Disposable;
}

/** Without a live pod watch, a resolved pod is reused this long without asking the API server again. */
const RESOLVE_REUSE_MS = 1000;
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
    if (
      (error as NodeJS.ErrnoException).code !== 'EADDRINUSE' &&
      (error as NodeJS.ErrnoException).code !== 'EACCES'
    )
      throw error;
    return listenOn(server, 0);
  }
}

class PortForwarder implements PortForwardHandle {
  readonly stats: PortForwardStats = {
    bytesIn: 0,
    bytesOut: 0,
    connections: 0,
    activeConnections: 0,
    reconnects: 0,
  };
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
  private sessionsOpened = 0;
  /** The multiplexed connection to the current pod; every TCP connection is a stream pair on it. */
  private session: PodPortSession | undefined;
  private sessionOpening: { podName: string; promise: Promise<PodPortSession> } | undefined;
  /** TCP connections carried by each session: a session no longer current closes with its last one. */
  private readonly connectionsBySession = new Map<PodPortSession, number>();
  /** Set after the first session: later ones skip a handshake the API server already refused. */
  private preferredTransport: PortForwardTransport | undefined;
  private watch: { abort(): void } | undefined;
  private watchLive = false;
  private watchToken: object | undefined;
  private readonly watchBackoff = new Backoff({
    initialMs: WATCH_RETRY_MS,
    maxMs: WATCH_MAX_RETRY_MS,
  });
  private watchRetry: NodeJS.Timeout | undefined;

  constructor(
    private readonly kubeConfig: KubeConfig,
    private readonly target: PortForwardTarget,
  ) {
    // Half-open allowed: a client that shuts down its sending side still gets the pod's answer.
    this.server = net.createServer({ noDelay: true, allowHalfOpen: true }, (socket) =>
      this.accept(socket),
    );
  }

  get state(): PortForwardState {
    return this.status.state;
  }

  get transport(): PortForwardTransport | undefined {
    return this.preferredTransport;
  }

  private get stopped(): boolean {
    return this.status.state === 'stopped';
  }

  async start(): Promise<void> {
    // Watch first, so a pod change between the lookup below and the watch's start cannot be missed.
    await this.startWatch();
    try {
      // Connected before the first TCP connection arrives, as kubectl is.
      const session = await this.currentSession(true);
      this.setStatus({ state: 'ready', podName: session.podName });
    } catch (error) {
      if (!this.target.waitForPod) throw error;
      this.setStatus({ state: 'waitingForPod', message: (error as Error).message });
    }
    try {
      this.localPort = await listenPreferring(
        this.server,
        this.target.localPort ?? this.target.remotePort,
      );
    } catch (error) {
      throw new KubeMlError(
        'unknown',
        `Could not listen on 127.0.0.1 for the port forward: ${(error as Error).message}.`,
        'Choose another local port.',
      );
    }
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
    this.watchLive = false;
    this.watchToken = undefined;
    this.watch?.abort();
    this.watch = undefined;
    for (const session of this.connectionsBySession.keys()) session.dispose();
    this.session?.dispose();
    this.stateEmitter.dispose();
    this.statsEmitter.dispose();
  }

  private setStatus(status: PortForwardStatus): void {
    if (this.status.state === 'stopped') return;
    const transition = status.state !== this.status.state || status.podName !== this.status.podName;
    this.status = status;
    if (transition) this.stateEmitter.fire(status);
  }

  /** The forward cannot reach the pod at the moment (an outage is under way). */
  private get failing(): boolean {
    return (
      this.state === 'reconnecting' || this.state === 'error' || this.state === 'waitingForPod'
    );
  }

  private statsChanged(): void {
    this.statsTimer ??= setTimeout(() => {
      this.statsTimer = undefined;
      this.statsEmitter.fire(this.stats);
    }, 1000);
  }

  /**
   * Watches the target's pods so the resolved pod (and the session to it) are let go the moment it
   * is deleted, stops running or a newer pod matches. Without the watch (no watch permission, API
   * server away) the forward still works: the pod is looked up again at most once a second.
   */
  private async startWatch(): Promise<void> {
    if (this.stopped) return;
    const path = `/api/v1/namespaces/${encodeURIComponent(this.target.namespace)}/pods`;
    const query: Record<string, string> =
      this.target.podName !== undefined
        ? { fieldSelector: `metadata.name=${this.target.podName}` }
        : { labelSelector: this.target.podSelector ?? '' };
    const token = {};
    this.watchToken = token;
    const startedAt = Date.now();
    const ended = () => {
      if (this.watchToken !== token) return;
      this.watchToken = undefined;
      this.watchLive = false;
      this.watch = undefined;
      // Events may be missed until the next watch: forget what it vouched for.
      this.resolved = undefined;
      if (this.stopped) return;
      // A watch refused or cut at once (no permission, API server away) is retried ever more slowly.
      if (Date.now() - startedAt > WATCH_HEALTHY_MS) this.watchBackoff.reset();
      this.watchRetry = setTimeout(() => void this.startWatch(), this.watchBackoff.next());
    };
    try {
      const watch = await watchPath(
        this.kubeConfig,
        path,
        query,
        '',
        (type, pod) => this.onPodEvent(type, pod as V1Pod),
        ended,
      );
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
    } else if (
      type !== 'DELETED' &&
      isUsablePod(pod) &&
      new Date(pod.metadata.creationTimestamp ?? 0).getTime() > current.created
    ) {
      // A newer pod matches: new connections go there (what resolveRunningPod would pick).
      this.invalidatePod();
    }
  }

  /** The resolved pod is stale: the next connection resolves again and opens a new session. */
  private invalidatePod(): void {
    this.resolved = undefined;
    const session = this.session;
    this.session = undefined;
    if (session) this.retire(session);
  }

  /** Closes a session no longer current once the connections it carries are done. */
  private retire(session: PodPortSession): void {
    if (!this.connectionsBySession.get(session)) {
      this.connectionsBySession.delete(session);
      session.dispose();
    }
  }

  /** The pod to connect to; `fresh` skips the cache (after a failure). */
  private async currentPod(fresh: boolean): Promise<string> {
    // While the watch runs it invalidates the cache itself, so a resolved pod stays good.
    if (
      !fresh &&
      this.resolved &&
      (this.watchLive || Date.now() - this.resolved.at < RESOLVE_REUSE_MS)
    ) {
      return this.resolved.podName;
    }
    this.resolving ??= this.resolvePod().finally(() => (this.resolving = undefined));
    return this.resolving;
  }

  private async resolvePod(): Promise<string> {
    const pod = await resolveRunningPod(this.kubeConfig, this.target);
    const podName = pod.metadata!.name!;
    this.lastPodName = podName;
    this.resolved = {
      podName,
      created: new Date(pod.metadata?.creationTimestamp ?? 0).getTime(),
      at: Date.now(),
    };
    return podName;
  }

  /** A usable session to the current pod, opening one (only one at a time) when needed. */
  private async currentSession(fresh: boolean): Promise<PodPortSession> {
    const podName = await this.currentPod(fresh);
    if (this.session?.podName === podName && this.session.isUsable) return this.session;
    if (this.sessionOpening?.podName !== podName) {
      const promise = this.openSession(podName).finally(() => {
        if (this.sessionOpening?.promise === promise) this.sessionOpening = undefined;
      });
      this.sessionOpening = { podName, promise };
    }
    return this.sessionOpening!.promise;
  }

  private async openSession(podName: string): Promise<PodPortSession> {
    const session = await PodPortSession.open(
      this.kubeConfig,
      this.target.namespace,
      podName,
      this.preferredTransport,
    );
    if (this.stopped) {
      session.dispose();
      throw new KubeMlError('cancelled', 'The port forward was stopped.');
    }
    this.preferredTransport = session.transport;
    if (this.sessionsOpened++ > 0) {
      this.stats.reconnects++;
      this.statsChanged();
    }
    const previous = this.session;
    this.session = session;
    if (previous && previous !== session) this.retire(previous);
    session.onDidClose((reason) => {
      this.connectionsBySession.delete(session);
      if (this.session !== session || this.stopped) return;
      // The connection to the API server dropped (API server restart, pod gone): the next TCP
      // connection opens a new one; connections it carried are reset like a dropped kubectl.
      this.session = undefined;
      this.setStatus({ state: 'reconnecting', podName, message: reason });
    });
    return session;
  }

  /** A stream pair to the pod for one TCP connection; on failure, finds the pod again and retries once. */
  private async connect(
    events: PodPortStreamEvents,
  ): Promise<{ stream: PodPortStream; session: PodPortSession }> {
    const attempt = async (fresh: boolean) => {
      const session = await this.currentSession(fresh);
      const stream = session.openStream(this.target.remotePort, events);
      if (this.state !== 'ready' || this.status.podName !== session.podName)
        this.setStatus({ state: 'ready', podName: session.podName });
      return { stream, session };
    };
    try {
      return await attempt(false);
    } catch (firstError) {
      if (this.stopped) throw firstError;
      // The pod may have been recreated under the same labels: find it again and retry once.
      // During an outage every connection fails: the forward stays in its failing state.
      if (!this.failing)
        this.setStatus({
          state: 'reconnecting',
          podName: this.lastPodName,
          message: (firstError as Error).message,
        });
      try {
        return await attempt(true);
      } catch (error) {
        const failure = toKubeMlError(
          error,
          `forward port ${this.target.remotePort} in ${this.target.namespace}`,
        );
        this.setStatus({
          state: failure.kind === 'notFound' ? 'waitingForPod' : 'error',
          message: failure.summary,
        });
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
    let stream: PodPortStream | undefined;
    let carrier: PodPortSession | undefined;
    let closed = false;
    const finish = () => {
      if (closed) return;
      closed = true;
      this.sockets.delete(socket);
      this.stats.activeConnections--;
      this.statsChanged();
      socket.destroy();
      stream?.close();
      if (carrier) {
        const left = (this.connectionsBySession.get(carrier) ?? 1) - 1;
        this.connectionsBySession.set(carrier, left);
        if (left === 0 && carrier !== this.session) this.retire(carrier);
      }
    };
    socket.on('close', finish);
    socket.on('error', finish);
    // The local client half-closed: tell the pod, and keep reading its answer.
    socket.on('end', () => stream?.end());
    socket.on('drain', () => stream?.resumeIncoming());
    const events: PodPortStreamEvents = {
      onData: (data) => {
        this.stats.bytesIn += data.length;
        this.statsChanged();
        if (!socket.write(data)) stream?.pauseIncoming();
      },
      onEnd: () => socket.end(),
      onError: (message) => {
        // A lost session says so itself (reconnecting): only the pod side's failures are errors here.
        if (carrier?.isUsable)
          this.setStatus({ state: 'error', podName: this.lastPodName, message: message.trim() });
        finish();
      },
      onWritable: () => socket.resume(),
    };
    this.connect(events).then(
      (opened) => {
        if (closed) {
          opened.stream.close();
          return;
        }
        stream = opened.stream;
        carrier = opened.session;
        this.connectionsBySession.set(carrier, (this.connectionsBySession.get(carrier) ?? 0) + 1);
        socket.on('data', (data: Buffer) => {
          this.stats.bytesOut += data.length;
          this.statsChanged();
          if (!opened.stream.write(data)) socket.pause();
        });
        socket.resume();
      },
      () => finish(),
    );
  }
}

/**
 * Forwards 127.0.0.1:<localPort> to `remotePort` of the target pod over one multiplexed
 * connection per pod (each accepted TCP connection is a stream pair on it, as with kubectl); the
 * pod behind `podSelector` is looked up again when it changes, so the forward survives the pod
 * being restarted or recreated.
 */
export async function startPortForward(
  kubeConfig: KubeConfig,
  target: PortForwardTarget,
): Promise<PortForwardHandle> {
  const forwarder = new PortForwarder(kubeConfig, target);
  try {
    await forwarder.start();
  } catch (error) {
    forwarder.dispose();
    throw toKubeMlError(
      error,
      `forward port ${target.remotePort} of ${target.podName ?? target.podSelector} in ${target.namespace}`,
    );
  }
  return forwarder;
}
