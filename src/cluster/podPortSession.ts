// One multiplexed port-forward connection to a pod, the way kubectl makes it: SPDY/3.1 over an
// upgraded HTTP/1.1 connection, or tunnelled in a WebSocket ("SPDY/3.1+portforward.k8s.io"). Every TCP connection of a forward is then a pair of
// streams (data + error) on it: no new TLS handshake, upgrade or API-server proxy per connection.
import type * as net from 'node:net';
import type { KubeConfig } from '@kubernetes/client-node';
import WebSocket from 'ws';
import { apiRequest, apiServerUrl, readErrorBody } from './apiRequest';
import { Emitter } from './emitter';
import { KubeMlError, toKubeMlError } from './errors';
import { retryWithFreshCredentials } from './execCredentials/sharedExecAuth';
import type { Disposable, Listener } from './session';
import {
  SpdySession,
  type SessionOptions,
  type SessionTransport,
  type SpdyStream,
} from './spdy/session';

export type PortForwardTransport = 'websocket' | 'upgrade';

const PORT_FORWARD_PROTOCOL = 'portforward.k8s.io';
const TUNNEL_SUBPROTOCOL = `SPDY/3.1+${PORT_FORWARD_PROTOCOL}`;
/** After the pod side ended a connection, how long its error stream may take to say why. */
const ERROR_STREAM_GRACE_MS = 1000;
/** Above this many queued bytes a writer waits for the session to drain. */
const HIGH_WATER_MARK = 4 * 1024 * 1024;

export interface PodPortStreamEvents {
  onData(data: Buffer): void;
  /** The pod side closed its half of the connection. */
  onEnd(): void;
  /** The pod side failed (nothing listens on the port, pod gone, connection lost). */
  onError(message: string): void;
  /** Room again after write() returned false. */
  onWritable(): void;
}

/** One TCP-like connection to a pod port inside a session. */
export interface PodPortStream {
  /** Returns false when the session's buffer is full: wait for onWritable. */
  write(data: Buffer): boolean;
  /** Half-close: we send nothing more, the pod may still answer. */
  end(): void;
  /** Done with it: the pod side is told to drop the connection if it has not ended yet. */
  close(): void;
  pauseIncoming(): void;
  resumeIncoming(): void;
}

/** A refused handshake, with the status and body the API server answered. */
class HandshakeRefused extends Error {
  constructor(
    readonly code: number,
    readonly body: string,
  ) {
    super(`${code} ${body}`.trim());
  }
}

async function dialWebSocketTunnel(
  kubeConfig: KubeConfig,
  path: string,
  operation: string,
): Promise<SessionTransportFactory> {
  const url = apiServerUrl(kubeConfig, path, operation);
  // ws only accepts subprotocol names that are HTTP tokens, and Kubernetes' contains a '/': we
  // ask for it in the header ourselves and check the server's answer ourselves.
  const options: WebSocket.ClientOptions = {
    perMessageDeflate: false,
    headers: { 'Sec-WebSocket-Protocol': TUNNEL_SUBPROTOCOL },
  };
  await kubeConfig.applyToHTTPSOptions(options);
  url.protocol = url.protocol === 'http:' ? 'ws:' : 'wss:';
  const socket = await new Promise<WebSocket>((resolve, reject) => {
    const ws = new WebSocket(url, [], options);
    ws.binaryType = 'nodebuffer';
    ws.once('error', reject);
    ws.once('unexpected-response', (_request, response) =>
      readErrorBody(response, 16 * 1024, (body) =>
        reject(new HandshakeRefused(response.statusCode ?? 0, body)),
      ),
    );
    ws.once('upgrade', (response) => {
      const agreed = response.headers['sec-websocket-protocol'];
      delete response.headers['sec-websocket-protocol'];
      if (agreed !== TUNNEL_SUBPROTOCOL) {
        ws.terminate();
        reject(
          new Error(
            `The API server did not agree to the ${TUNNEL_SUBPROTOCOL} subprotocol (answered ${agreed ?? 'none'}).`,
          ),
        );
      }
    });
    ws.once('open', () => {
      ws.off('error', reject);
      resolve(ws);
    });
  });
  return (session) => {
    let waitingForRoom = false;
    const wrote = () => {
      if (waitingForRoom && socket.bufferedAmount < HIGH_WATER_MARK) {
        waitingForRoom = false;
        session().transportDrained();
      }
    };
    socket.on('message', (data: Buffer) => session().receive(data));
    socket.on('close', (code, reason) =>
      session().transportClosed(
        `the API server closed the port-forward connection (${code}${reason.length ? ` ${reason.toString()}` : ''})`,
      ),
    );
    socket.on('error', (error) => session().transportClosed(error.message));
    return {
      write(chunks) {
        if (socket.readyState !== WebSocket.OPEN) return true;
        socket.send(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks), wrote);
        const room = socket.bufferedAmount < HIGH_WATER_MARK;
        if (!room) waitingForRoom = true;
        return room;
      },
      pause: () => socket.pause(),
      resume: () => socket.resume(),
      close: () => socket.close(1000),
    };
  };
}

/** kubectl's fallback for API servers without the WebSocket tunnel: POST + `Upgrade: SPDY/3.1`. */
async function dialSpdyUpgrade(
  kubeConfig: KubeConfig,
  path: string,
  operation: string,
): Promise<SessionTransportFactory> {
  const request = await apiRequest(kubeConfig, path, operation, {
    method: 'POST',
    headers: {
      Connection: 'Upgrade',
      Upgrade: 'SPDY/3.1',
      'X-Stream-Protocol-Version': PORT_FORWARD_PROTOCOL,
    },
  });
  const { socket, head } = await new Promise<{ socket: net.Socket; head: Buffer }>(
    (resolve, reject) => {
      request.on('upgrade', (_response, upgraded, head) => resolve({ socket: upgraded, head }));
      request.on('response', (response) =>
        readErrorBody(response, 16 * 1024, (body) =>
          reject(new HandshakeRefused(response.statusCode ?? 0, body)),
        ),
      );
      request.on('error', reject);
      request.end();
    },
  );
  socket.setNoDelay(true);
  return (session) => {
    socket.on('data', (data: Buffer) => session().receive(data));
    socket.on('drain', () => session().transportDrained());
    socket.on('close', () =>
      session().transportClosed('the port-forward connection to the API server closed'),
    );
    socket.on('error', (error) => session().transportClosed(error.message));
    if (head.length > 0) queueMicrotask(() => session().receive(head));
    return {
      write(chunks) {
        if (socket.destroyed) return true;
        // One buffer, so a frame header and a small payload leave in one TLS record.
        return socket.write(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
      },
      pause: () => socket.pause(),
      resume: () => socket.resume(),
      close: () => socket.destroy(),
    };
  };
}

/** Builds the transport once the session exists (the transport's events call into it). */
type SessionTransportFactory = (session: () => SpdySession) => SessionTransport;

/** The API server (or a proxy before it) refused this way of connecting, not the user: try the other. */
function transportRefused(error: unknown): boolean {
  if (error instanceof HandshakeRefused)
    return error.code !== 401 && error.code !== 403 && error.code !== 404;
  // ws rejects a 101 that did not agree to our subprotocol; a proxy may cut an upgrade it does not know.
  return (
    error instanceof Error &&
    (/subprotocol/i.test(error.message) || (error as NodeJS.ErrnoException).code === 'ECONNRESET')
  );
}

const DIALERS: Record<
  PortForwardTransport,
  (kubeConfig: KubeConfig, path: string, operation: string) => Promise<SessionTransportFactory>
> = {
  upgrade: dialSpdyUpgrade,
  websocket: dialWebSocketTunnel,
};

/**
 * Both are kubectl's. The SPDY upgrade comes first: measured on the same pod, it costs this process
 * about a third less CPU per GiB than the WebSocket tunnel (the API server sends the tunnel in 4 KiB
 * WebSocket fragments, each its own TLS record) and moves more bytes per second. The tunnel is the
 * way through proxies that refuse SPDY, and the only way once API servers drop SPDY.
 */
const TRANSPORT_ORDER: readonly PortForwardTransport[] = ['upgrade', 'websocket'];

export class PodPortSession implements Disposable {
  private readonly session: SpdySession;
  private readonly closeEmitter = new Emitter<string>();
  private readonly waitingForRoom = new Set<PodPortStreamEvents>();
  private nextRequestId = 0;
  private closeReason: string | undefined;

  private constructor(
    readonly podName: string,
    readonly transport: PortForwardTransport,
    factory: SessionTransportFactory,
    options: SessionOptions,
  ) {
    // The transport's events only arrive on later ticks, once this.session is set.
    this.session = new SpdySession(
      factory(() => this.session),
      {
        onDrain: () => {
          const waiting = [...this.waitingForRoom];
          this.waitingForRoom.clear();
          for (const events of waiting) events.onWritable();
        },
        onClose: (reason) => {
          this.closeReason = reason;
          this.waitingForRoom.clear();
          this.closeEmitter.fire(reason);
          this.closeEmitter.dispose();
        },
      },
      options,
    );
  }

  /** Connects to the pod's port-forward endpoint. `transport` forces one; by default see TRANSPORT_ORDER. */
  static open(
    kubeConfig: KubeConfig,
    namespace: string,
    podName: string,
    transport?: PortForwardTransport,
    options: SessionOptions = {},
  ): Promise<PodPortSession> {
    return retryWithFreshCredentials(kubeConfig, () =>
      PodPortSession.openOnce(kubeConfig, namespace, podName, transport, options),
    );
  }

  private static async openOnce(
    kubeConfig: KubeConfig,
    namespace: string,
    podName: string,
    transport: PortForwardTransport | undefined,
    options: SessionOptions,
  ): Promise<PodPortSession> {
    const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(podName)}/portforward`;
    const operation = `forward ports of pod ${namespace}/${podName}`;
    let firstRefusal: unknown;
    for (const candidate of transport ? [transport] : TRANSPORT_ORDER) {
      try {
        return new PodPortSession(
          podName,
          candidate,
          await DIALERS[candidate](kubeConfig, path, operation),
          options,
        );
      } catch (error) {
        firstRefusal ??= error;
        if (!transportRefused(error)) break;
      }
    }
    throw toKubeMlError(
      firstRefusal instanceof HandshakeRefused
        ? { code: firstRefusal.code, body: firstRefusal.body }
        : firstRefusal,
      operation,
    );
  }

  /** New connections can be opened on this session. */
  get isUsable(): boolean {
    return this.closeReason === undefined && this.session.isUsable;
  }

  /** Streams open now (two per connection: data and error). */
  get activeStreams(): number {
    return this.session.activeStreams;
  }

  onDidClose(listener: Listener<string>): Disposable {
    return this.closeEmitter.event(listener);
  }

  /** Opens one connection to `port` in the pod. Bytes may be written at once. */
  openStream(port: number, events: PodPortStreamEvents): PodPortStream {
    if (!this.isUsable)
      throw new KubeMlError(
        'streamEnded',
        `The port-forward connection to ${this.podName} has ended${this.closeReason ? `: ${this.closeReason}` : ''}.`,
      );
    const requestId = String(this.nextRequestId++);
    const headers = (type: string): [string, string][] => [
      ['streamtype', type],
      ['port', String(port)],
      ['requestid', requestId],
    ];
    let errorText = '';
    let errorStreamDone = false;
    let dataEnded = false;
    let reported = false;
    let endTimer: NodeJS.Timeout | undefined;
    const report = (failure?: string) => {
      if (reported) return;
      reported = true;
      clearTimeout(endTimer);
      this.waitingForRoom.delete(events);
      if (failure !== undefined) events.onError(failure);
      else events.onEnd();
    };
    // The pod side may close the data stream before it writes why: like kubectl, the outcome is
    // known once the error stream has ended too (or shortly after, should it never end).
    const settle = () => {
      if (!dataEnded) {
        if (errorStreamDone && errorText) report(errorText.trim());
        return;
      }
      if (errorStreamDone) report(errorText ? errorText.trim() : undefined);
      else
        endTimer ??= setTimeout(
          () => report(errorText ? errorText.trim() : undefined),
          ERROR_STREAM_GRACE_MS,
        );
    };
    const errorStream = this.session.openStream(
      headers('error'),
      {
        onData: (data) => (errorText += data.toString('utf8')),
        onEnd: () => {
          errorStreamDone = true;
          settle();
        },
        onReset: () => {
          errorStreamDone = true;
          settle();
        },
      },
      { fin: true },
    );
    const dataStream: SpdyStream = this.session.openStream(headers('data'), {
      onData: (data) => events.onData(data),
      onEnd: () => {
        dataEnded = true;
        settle();
      },
      onReset: (reason) => report(errorText.trim() || reason),
    });
    return {
      write: (data) => {
        const room = dataStream.write(data);
        if (!room) this.waitingForRoom.add(events);
        return room;
      },
      end: () => dataStream.end(),
      close: () => {
        reported = true;
        clearTimeout(endTimer);
        this.waitingForRoom.delete(events);
        dataStream.reset();
        // The error stream ends when the pod side closes the connection; we stop listening now.
        errorStream.reset();
      },
      pauseIncoming: () => dataStream.pauseIncoming(),
      resumeIncoming: () => dataStream.resumeIncoming(),
    };
  }

  dispose(): void {
    this.session.close('closed');
  }
}
