// A TCP relay on 127.0.0.1 between a client and the sandbox's API server, for the faults the API
// server itself does not show on demand: connections refused (as while it restarts) and
// connections that go silent without a FIN or RST (a laptop that slept, a NAT that forgot them).
import * as net from 'node:net';
import * as k8s from '@kubernetes/client-node';
import { sandboxKubeConfig, type SandboxIdentity } from './sandbox';

interface Relayed {
  readonly client: net.Socket;
  readonly server: net.Socket;
}

export class ApiServerRelay {
  private readonly relayed = new Set<Relayed>();
  private readonly frozen = new Set<Relayed>();
  private server: net.Server | undefined;
  private port = 0;
  private fromServer = 0;
  private readonly target: URL;

  private constructor() {
    this.target = new URL(sandboxKubeConfig('admin').getCurrentCluster()!.server);
  }

  static async start(): Promise<ApiServerRelay> {
    const relay = new ApiServerRelay();
    await relay.accept();
    return relay;
  }

  /** The sandbox's kubeconfig for `identity`, with the API server reached through this relay. */
  kubeConfig(identity: SandboxIdentity): k8s.KubeConfig {
    const direct = sandboxKubeConfig(identity);
    const relayed = new k8s.KubeConfig();
    relayed.loadFromOptions({
      clusters: direct.clusters.map((cluster) => ({
        ...cluster,
        server: `https://127.0.0.1:${this.port}`,
      })),
      users: direct.users,
      contexts: direct.contexts,
      currentContext: direct.currentContext,
    });
    return relayed;
  }

  /**
   * Chunks the API server has sent so far. On an idle connection every one is an answer to a
   * ping: a test waits for them to see that pings are answered.
   */
  get chunksFromServer(): number {
    return this.fromServer;
  }

  /** Listens (again, on the same port): new connections reach the API server. */
  async accept(): Promise<void> {
    if (this.server) return;
    const server = net.createServer((client) => this.relay(client));
    await new Promise<void>((resolve, reject) =>
      server.once('error', reject).listen(this.port, '127.0.0.1', resolve),
    );
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  /** Stops listening and resets the open connections: every connection attempt is refused. */
  async refuse(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const { client, server: upstream } of this.relayed) {
      client.resetAndDestroy();
      upstream.destroy();
    }
    this.relayed.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /**
   * The open connections stop carrying bytes either way, and nothing tells either end: no FIN,
   * no RST. New connections work, as after a laptop wakes up.
   */
  freeze(): void {
    for (const pair of this.relayed) {
      pair.client.unpipe(pair.server);
      pair.server.unpipe(pair.client);
      pair.client.pause();
      pair.server.pause();
      this.frozen.add(pair);
    }
    this.relayed.clear();
  }

  async close(): Promise<void> {
    // Before refuse(): a listener closes only once every connection it accepted is gone.
    for (const { client, server } of this.frozen) {
      client.destroy();
      server.destroy();
    }
    this.frozen.clear();
    await this.refuse();
  }

  private relay(client: net.Socket): void {
    const server = net.connect(Number(this.target.port), this.target.hostname);
    const pair = { client, server };
    this.relayed.add(pair);
    const drop = () => {
      this.relayed.delete(pair);
      client.destroy();
      server.destroy();
    };
    client.on('error', drop).on('close', drop);
    server.on('error', drop).on('close', drop);
    server.on('data', () => this.fromServer++);
    client.pipe(server);
    server.pipe(client);
  }
}
