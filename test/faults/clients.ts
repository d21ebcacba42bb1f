// The product's clients a fault scenario keeps open (a log session, a port-forward under continuous
// requests) and their kubectl counterparts, with what each received.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type * as k8s from '@kubernetes/client-node';
import { startPortForward, type PortForwardHandle } from '../../src/cluster/portForward';
import type { PodTarget } from '../../src/cluster/podResolver';
import { KubeWatchCache } from '../../src/cluster/watchCache';
import { podSource } from '../../src/cluster/watchSources';
import type { WorkloadRef } from '../../src/cluster/workloadRef';
import { resolveCarriageReturns } from '../../src/cluster/logs/carriageReturn';
import { LogSession } from '../../src/logs/logSession';
import type { HostToView } from '../../src/webviews/logs/protocol';
import { sandboxKubeConfig, waitFor } from '../cluster/sandbox';
import { Kubectl } from './harness';
import { RequestLoop } from './requestLoop';

/** A log line as the log view shows it: "<timestamp> <text>" with progress redraws resolved. */
export function shownLine(line: string): string {
  const space = line.indexOf(' ');
  return `${line.slice(0, space)} ${resolveCarriageReturns(line.slice(space + 1))}`;
}

/** The log viewer's session on a workload, fed by the session's pod watch cache as in the product. */
export class WatchedLogSession {
  readonly messages: HostToView[] = [];
  private readonly session: LogSession;
  private readonly pods: KubeWatchCache<k8s.V1Pod>;
  private readonly spoolPath = path.join(
    os.tmpdir(),
    `faults-spool-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.log`,
  );

  constructor(workload: WorkloadRef) {
    const kubeConfig = sandboxKubeConfig('developer');
    this.pods = new KubeWatchCache(podSource(kubeConfig, workload.namespace));
    this.session = new LogSession({
      kubeConfig,
      workload,
      maxLines: 100_000,
      spoolPath: this.spoolPath,
      post: (message) => this.messages.push(message),
      pods: this.pods,
      batchMs: 50,
    });
  }

  async start(): Promise<void> {
    await this.pods.ready;
    await this.session.start();
  }

  /** Everything streamed so far, per pod, as "<timestamp> <text>" (from the session's own spool). */
  async delivered(): Promise<Map<string, string[]>> {
    const copy = `${this.spoolPath}.copy`;
    await this.session.saveTo(copy);
    const byPod = new Map<string, string[]>();
    for (const line of fs.readFileSync(copy, 'utf8').split('\n').filter(Boolean)) {
      const [timestamp, pod] = line.split(' ', 2);
      const text = line.slice(timestamp.length + pod.length + 2);
      byPod.set(pod, [...(byPod.get(pod) ?? []), `${timestamp} ${text}`]);
    }
    fs.rmSync(copy, { force: true });
    return byPod;
  }

  /** The latest status the view was sent for each source. */
  statuses(): Map<string, { state: string; message: string }> {
    const latest = new Map<string, { state: string; message: string }>();
    for (const message of this.messages)
      if (message.type === 'status')
        latest.set(message.source, { state: message.state, message: message.message });
    return latest;
  }

  dispose(): void {
    this.session.dispose();
    this.pods.dispose();
  }
}

/** Our port-forward and kubectl's to the same workload, each under continuous requests. */
export class ForwardPair {
  ours!: PortForwardHandle;
  kubectl!: Kubectl;
  ourRequests!: RequestLoop;
  /** Undefined when kubectl's port-forward never served before the fault (see start). */
  kubectlRequests: RequestLoop | undefined;

  /** `target`: a pod by name, or the pods of a controller we manage (as the product finds them). */
  static async start(target: PodTarget, kubectlTarget: string): Promise<ForwardPair> {
    const pair = new ForwardPair();
    pair.ours = await startPortForward(sandboxKubeConfig('developer'), {
      ...target,
      remotePort: 8888,
      localPort: 0,
    });
    pair.ourRequests = new RequestLoop(() => pair.ours.url('/api'));
    // kubectl is the reference, not the subject. Its port-forward can die before any fault: kwok
    // not yet serving a pod created a moment before, and, shortly after an API-server restart,
    // "lost connection to pod" on every try while ours serves. It is started at most three times;
    // if it never serves, the scenario goes on and reports that as kubectl's result.
    let kubectlUp = false;
    for (let attempt = 1; attempt <= 3 && !kubectlUp; attempt++) {
      kubectlUp = await pair.startKubectl(target.namespace, kubectlTarget);
    }
    if (!kubectlUp) {
      await pair.kubectlRequests?.stop();
      pair.kubectlRequests = undefined;
    }
    await waitFor(
      () => pair.ourRequests.okSince(0) >= 3,
      30_000,
      'requests through our forward',
    ).catch((error: Error) => {
      throw new Error(
        `${error.message} (ours: ${pair.ourRequests.okSince(0)} ok, ${pair.ours.status.state} ${pair.ours.status.message ?? ''})`,
      );
    });
    return pair;
  }

  /** Starts kubectl port-forward; true once three requests went through it, false if it exited or stalled first. */
  private async startKubectl(namespace: string, kubectlTarget: string): Promise<boolean> {
    try {
      return await this.tryKubectl(namespace, kubectlTarget);
    } catch {
      return false;
    }
  }

  private async tryKubectl(namespace: string, kubectlTarget: string): Promise<boolean> {
    await this.kubectlRequests?.stop();
    this.kubectl?.stop();
    const kubectl = new Kubectl([
      'port-forward',
      '--address',
      '127.0.0.1',
      '-n',
      namespace,
      kubectlTarget,
      ':8888',
    ]);
    this.kubectl = kubectl;
    const port = await waitFor(
      () =>
        kubectl.exited
          ? 'exited'
          : kubectl.lines
              .map((line) => /Forwarding from 127\.0\.0\.1:(\d+)/.exec(line)?.[1])
              .find(Boolean),
      20_000,
      'kubectl port-forward to listen',
    );
    if (port === 'exited') return false;
    const requests = new RequestLoop(() => `http://127.0.0.1:${port}/api`);
    this.kubectlRequests = requests;
    return (
      (await waitFor(
        () => (kubectl.exited ? 'exited' : requests.okSince(0) >= 3 && 'serving'),
        20_000,
        'requests through kubectl port-forward',
      )) === 'serving'
    );
  }

  /** After the fault at `faultAt`: waits for our forward to serve again, then describes both sides. */
  async outcome(
    faultAt: number,
  ): Promise<{ failed: number; outageSeconds: number | undefined; kubectl: string }> {
    // Bounded: a forward that never recovers shows as an undefined outage below.
    await waitFor(
      () =>
        this.ourRequests.outageAfter(faultAt) !== undefined &&
        this.ourRequests.okSince(faultAt) >= 5,
      60_000,
      'our forward to serve requests after the fault',
    ).catch(() => undefined);
    const ours = {
      failed: this.ourRequests.failedSince(faultAt),
      outageSeconds: this.ourRequests.outageAfter(faultAt),
    };
    if (!this.kubectlRequests)
      return {
        ...ours,
        kubectl: `could not start before the fault (3 tries, last ${this.kubectl.describeEnd()})`,
      };
    const kubectlFailed = this.kubectlRequests.failedSince(faultAt);
    const kubectlOutage = this.kubectlRequests.outageAfter(faultAt);
    const kubectl = `${this.kubectl.describeEnd()}; ${kubectlOutage === undefined ? `never recovered (${kubectlFailed} requests failed)` : `${kubectlFailed} requests failed`}`;
    return { ...ours, kubectl };
  }

  async dispose(): Promise<void> {
    await Promise.all([this.ourRequests?.stop(), this.kubectlRequests?.stop()]);
    this.ours?.dispose();
    this.kubectl?.stop();
  }
}
