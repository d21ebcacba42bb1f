// The relays that connect the real node's network namespace with this machine's loopback, where
// the control plane listens. Unix sockets are files, so they cross network namespaces; TCP does not.
//
//   host side (`relay.ts host`, this machine's namespace):
//     EGRESS_SOCKET  HTTP CONNECT, the API server's egress for node and pod traffic
//                    (--egress-selector-config-file): loopback targets (the KWOK nodes) are dialled
//                    here, targets in the node's subnet are handed to the node side, others refused.
//     API_SOCKET     raw bytes to the API server on 127.0.0.1.
//   node side (`relay.ts node`, inside the namespace):
//     NODE_DIAL_SOCKET  HTTP CONNECT to the kubelet and pods, in the node's subnet only.
//     127.0.0.1:<API port>  raw bytes to API_SOCKET, so the kubelet finds the API server at the
//                    same URL as everyone else.
import * as fs from 'node:fs';
import * as net from 'node:net';
import { LOOPBACK, PORTS } from '../paths';
import { API_SOCKET, EGRESS_SOCKET, NODE_DIAL_SOCKET, NODE_SUBNET } from './layout';

const MAX_HEADER_BYTES = 8192;

function log(message: string): void {
  process.stdout.write(`${new Date().toISOString()} ${message}\n`);
}

/** Both directions, each side ending the other; errors end both (and are not unhandled). */
function pipeBoth(a: net.Socket, b: net.Socket): void {
  a.pipe(b);
  b.pipe(a);
  const end = (): void => {
    a.destroy();
    b.destroy();
  };
  a.on('error', end).on('close', end);
  b.on('error', end).on('close', end);
}

export interface ConnectTarget {
  host: string;
  port: number;
}

/** Parses `CONNECT host:port HTTP/1.1`; undefined when the line is anything else. */
export function parseConnectLine(line: string): ConnectTarget | undefined {
  const match = /^CONNECT (\[[0-9a-fA-F:.]+\]|[^\s:[\]]+):(\d{1,5}) HTTP\/1\.[01]$/.exec(line);
  if (!match) return undefined;
  const port = Number(match[2]);
  if (port < 1 || port > 65535) return undefined;
  return { host: match[1].replace(/^\[|\]$/g, ''), port };
}

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || (net.isIPv4(host) && host.startsWith('127.'));
}

export function inSubnet(host: string, cidr: string): boolean {
  if (!net.isIPv4(host)) return false;
  const [base, bits] = cidr.split('/');
  const toNumber = (address: string): number =>
    address.split('.').reduce((sum, octet) => sum * 256 + Number(octet), 0);
  const mask = Number(bits) === 0 ? 0 : (0xffffffff << (32 - Number(bits))) >>> 0;
  return (toNumber(host) & mask) >>> 0 === (toNumber(base) & mask) >>> 0;
}

/**
 * Reads one CONNECT request head (bounded), then calls `route` with the target and the head's
 * bytes; `route` connects the client onwards or refuses.
 */
function serveConnect(
  socket: net.Socket,
  route: (target: ConnectTarget, head: Buffer) => void,
): void {
  let head = Buffer.alloc(0);
  const onData = (chunk: Buffer): void => {
    // Search only the new bytes (plus 3 before them) for the blank line: linear in the input.
    const searchFrom = Math.max(0, head.length - 3);
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n', searchFrom);
    if (end === -1) {
      if (head.length > MAX_HEADER_BYTES) refuse(socket, 431, 'Request Header Fields Too Large');
      return;
    }
    socket.off('data', onData);
    socket.pause();
    const rest = head.subarray(end + 4);
    const target = parseConnectLine(head.subarray(0, head.indexOf('\r\n')).toString('latin1'));
    if (!target) {
      refuse(socket, 400, 'Bad Request');
      return;
    }
    if (rest.length > 0) socket.unshift(rest);
    route(target, head.subarray(0, end + 4));
  };
  socket.on('data', onData);
  socket.on('error', () => socket.destroy());
}

function refuse(socket: net.Socket, status: number, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Length: 0\r\n\r\n`);
}

/** Connects `client` onwards through `upstream` once it connects; a failure before that answers 502. */
function acceptWhenConnected(
  client: net.Socket,
  upstream: net.Socket,
  what: string,
  greeting: () => void,
): void {
  const failed = (error: Error): void => {
    log(`${what} failed: ${error.message}`);
    refuse(client, 502, 'Bad Gateway');
  };
  upstream.once('error', failed);
  upstream.once('connect', () => {
    // From here on the bytes are the caller's stream: errors end both sides, nothing is written into it.
    upstream.off('error', failed);
    greeting();
    pipeBoth(client, upstream);
    client.resume();
  });
}

function dialAndAccept(client: net.Socket, target: ConnectTarget): void {
  acceptWhenConnected(
    client,
    net.connect({ host: target.host, port: target.port }),
    `dial ${target.host}:${target.port}`,
    () => client.write('HTTP/1.1 200 Connection established\r\n\r\n'),
  );
}

function listenUnix(socketPath: string, onConnection: (socket: net.Socket) => void): net.Server {
  fs.rmSync(socketPath, { force: true });
  const server = net.createServer(onConnection);
  server.listen(socketPath);
  return server;
}

function hostSide(): net.Server[] {
  const egress = listenUnix(EGRESS_SOCKET, (client) =>
    serveConnect(client, (target, head) => {
      if (isLoopbackHost(target.host)) {
        dialAndAccept(client, target);
      } else if (inSubnet(target.host, NODE_SUBNET)) {
        // The node side answers the CONNECT itself (200, 403 or 502).
        const nodeSide = net.connect(NODE_DIAL_SOCKET);
        acceptWhenConnected(client, nodeSide, `node side ${NODE_DIAL_SOCKET}`, () =>
          nodeSide.write(head),
        );
      } else {
        // Only loopback and the sandbox's own namespace are targets; nothing else is dialled.
        log(`refused CONNECT ${target.host}:${target.port}: neither loopback nor ${NODE_SUBNET}`);
        refuse(client, 403, 'Forbidden');
      }
    }),
  );
  const api = listenUnix(API_SOCKET, (client) =>
    pipeBoth(client, net.connect({ host: LOOPBACK, port: PORTS.apiserver })),
  );
  return [egress, api];
}

function nodeSide(): net.Server[] {
  const dial = listenUnix(NODE_DIAL_SOCKET, (client) =>
    serveConnect(client, (target) => {
      if (inSubnet(target.host, NODE_SUBNET)) {
        dialAndAccept(client, target);
      } else {
        log(`refused CONNECT ${target.host}:${target.port}: not in ${NODE_SUBNET}`);
        refuse(client, 403, 'Forbidden');
      }
    }),
  );
  const api = net.createServer((client) => pipeBoth(client, net.connect(API_SOCKET)));
  api.listen({ host: LOOPBACK, port: PORTS.apiserver });
  return [dial, api];
}

function main(): void {
  const side = process.argv[2];
  if (side !== 'host' && side !== 'node') {
    console.error('usage: relay.ts host|node');
    process.exit(2);
  }
  const servers = side === 'host' ? hostSide() : nodeSide();
  for (const server of servers) {
    server.on('error', (error) => {
      log(`${side} relay: ${error.message}`);
      process.exit(1);
    });
  }
  log(`${side} relay listening`);
  const stop = (): void => process.exit(0);
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (require.main === module) main();
