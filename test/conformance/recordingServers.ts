import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { TlsFixtures } from './tlsFixtures';

/** What one request carried when it reached a test server: everything a kubeconfig decides. */
export interface Seen {
  readonly server: 'https' | 'http';
  readonly path: string;
  readonly authorization?: string;
  /** Subject of the client certificate, e.g. "O=ml-team, CN=alice". */
  readonly clientCertificate?: string;
  readonly serverName?: string;
  readonly impersonateUser?: string;
  readonly impersonateGroups?: readonly string[];
  readonly impersonateUid?: string;
  readonly impersonateExtra?: Readonly<Record<string, readonly string[]>>;
  /** Whether the client asked for a compressed answer (kubectl: Go's transport adds gzip unless disable-compression). */
  readonly acceptsCompression: boolean;
  /** How the request reached the server through the test proxy ("CONNECT 127.0.0.1:port"), if it did. */
  readonly proxied?: string;
}

const POD_LIST = JSON.stringify({
  kind: 'PodList',
  apiVersion: 'v1',
  metadata: { resourceVersion: '1' },
  items: [],
});

function headerValues(request: http.IncomingMessage, name: string): string[] {
  const values: string[] = [];
  for (let i = 0; i < request.rawHeaders.length; i += 2) {
    if (request.rawHeaders[i].toLowerCase() === name) values.push(request.rawHeaders[i + 1]);
  }
  return values;
}

function subjectOf(socket: TLSSocket): string | undefined {
  const certificate = socket.getPeerCertificate();
  if (!certificate || !certificate.subject) return undefined;
  return Object.entries(certificate.subject)
    .map(([key, value]) => `${key}=${String(value)}`)
    .join(', ');
}

function compressionAccepted(request: http.IncomingMessage): boolean {
  const codings = (request.headers['accept-encoding'] ?? '')
    .split(',')
    .map((coding) => coding.trim().split(';')[0]);
  return codings.some((coding) => coding !== '' && coding !== 'identity');
}

/**
 * An HTTPS server (the fixtures' CA, asking for a client certificate it records but does not
 * require), a plain HTTP server and an HTTP CONNECT proxy, all on 127.0.0.1. Every request to
 * /api/v1/namespaces/<ns>/pods gets an empty PodList; everything is recorded in `seen`.
 */
export class RecordingServers {
  readonly seen: Seen[] = [];
  private readonly proxiedPorts = new Map<number, string>();
  private readonly tunnels = new Set<net.Socket>();
  private readonly https: https.Server;
  private readonly http: http.Server;
  private readonly proxy: http.Server;

  constructor(tls: TlsFixtures) {
    this.https = https.createServer(
      {
        cert: fs.readFileSync(tls.serverCert),
        key: fs.readFileSync(tls.serverKey),
        ca: fs.readFileSync(tls.caFile),
        requestCert: true,
        rejectUnauthorized: false,
      },
      (request, response) => this.answer('https', request, response),
    );
    this.http = http.createServer((request, response) => this.answer('http', request, response));
    this.proxy = http.createServer((_request, response) => response.writeHead(405).end());
    this.proxy.on('connect', (request: http.IncomingMessage, client: net.Socket, head: Buffer) =>
      this.tunnel(request, client, head),
    );
  }

  get httpsUrl(): string {
    return `https://127.0.0.1:${(this.https.address() as net.AddressInfo).port}`;
  }

  get httpUrl(): string {
    return `http://127.0.0.1:${(this.http.address() as net.AddressInfo).port}`;
  }

  get proxyUrl(): string {
    return `http://127.0.0.1:${(this.proxy.address() as net.AddressInfo).port}`;
  }

  async start(): Promise<void> {
    for (const server of [this.https, this.http, this.proxy]) {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    }
  }

  async stop(): Promise<void> {
    for (const socket of this.tunnels) socket.destroy();
    for (const server of [this.https, this.http, this.proxy]) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  /** Forgets what was seen, to record the next client alone. */
  take(): Seen[] {
    return this.seen.splice(0, this.seen.length);
  }

  private answer(
    server: Seen['server'],
    request: http.IncomingMessage,
    response: http.ServerResponse,
  ): void {
    const socket = request.socket as TLSSocket;
    const extra: Record<string, string[]> = {};
    for (const name of Object.keys(request.headers)) {
      // Kept escaped as sent: how a key is escaped is part of what is compared.
      if (name.startsWith('impersonate-extra-'))
        extra[name.slice('impersonate-extra-'.length)] = headerValues(request, name);
    }
    const groups = headerValues(request, 'impersonate-group');
    this.seen.push({
      server,
      path: request.url ?? '',
      authorization: request.headers.authorization,
      clientCertificate: server === 'https' ? subjectOf(socket) : undefined,
      serverName: server === 'https' ? socket.servername || undefined : undefined,
      impersonateUser: request.headers['impersonate-user'] as string | undefined,
      impersonateGroups: groups.length ? groups : undefined,
      impersonateUid: request.headers['impersonate-uid'] as string | undefined,
      impersonateExtra: Object.keys(extra).length ? extra : undefined,
      acceptsCompression: compressionAccepted(request),
      proxied: this.proxiedPorts.get(request.socket.remotePort ?? -1),
    });
    const known = /^\/api\/v1\/namespaces\/[^/]+\/pods(\?|$)/.test(request.url ?? '');
    response
      .writeHead(known ? 200 : 404, { 'content-type': 'application/json' })
      .end(known ? POD_LIST : '{}');
  }

  /** Tunnels to the test servers only (tests reach nothing but 127.0.0.1), remembering each tunnel's source port. */
  private tunnel(request: http.IncomingMessage, client: net.Socket, head: Buffer): void {
    const [host, port] = (request.url ?? '').split(':');
    if (host !== '127.0.0.1') {
      client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    const upstream = net.connect(Number(port), host, () => {
      this.proxiedPorts.set(upstream.localPort ?? -1, `CONNECT ${request.url}`);
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    for (const socket of [client, upstream]) {
      this.tunnels.add(socket);
      socket.on('close', () => this.tunnels.delete(socket));
    }
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  }
}
