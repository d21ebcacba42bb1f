import * as vscode from 'vscode';
import type { V1Pod } from '@kubernetes/client-node';
import { startPortForward, type PortForwardHandle } from '../cluster/portForward';
import type { CacheChange, ClusterSession, Disposable } from '../cluster/session';
import type { WorkloadRef } from '../cluster/workloadRef';
import { devPodNameOf, isUsablePod, podTargetOf } from '../cluster/podResolver';
import type { Services } from '../common/services';
import { reportActivity } from '../common/workloadTarget';
import {
  forwardKey,
  forwardsOfWorkload,
  isRestorable,
  parseStoredForwards,
  removeForward,
  upsertForward,
  type PersistedForward,
} from './model/persistedForwards';
import { DisposableStore } from '../cluster/disposableStore';

const STORAGE_KEY = 'kubeMl.forwards';

export interface ActiveForward {
  readonly key: string;
  readonly spec: PersistedForward;
  readonly handle: PortForwardHandle;
}

/**
 * The window's port forwards: starts, stops and remembers them (workspaceState, per workload),
 * and brings them back when VS Code restarts, the context comes back or a dev pod is resumed.
 */
export class ForwardRegistry implements vscode.Disposable {
  private readonly active = new Map<string, ActiveForward>();
  private readonly starting = new Map<string, Promise<ActiveForward>>();
  private readonly changeEmitter = new vscode.EventEmitter<ActiveForward | undefined>();
  /** Fires the forward that changed, or undefined when the list itself changed. */
  readonly onDidChange = this.changeEmitter.event;
  private readonly perForward = new Map<string, DisposableStore>();
  private sessionListener: Disposable | undefined;

  constructor(private readonly services: Services) {}

  list(): ActiveForward[] {
    return [...this.active.values()];
  }

  get(key: string): ActiveForward | undefined {
    return this.active.get(key);
  }

  private stored(): PersistedForward[] {
    return parseStoredForwards(this.services.extensionContext.workspaceState.get(STORAGE_KEY));
  }

  private async store(forwards: PersistedForward[]): Promise<void> {
    await this.services.extensionContext.workspaceState.update(STORAGE_KEY, forwards);
  }

  /** Starts (or returns the running) forward of `workload`:`remotePort`. */
  async start(
    session: ClusterSession,
    workload: WorkloadRef,
    remotePort: number,
    options: { label?: string; localPort?: number; waitForPod?: boolean } = {},
  ): Promise<ActiveForward> {
    const key = forwardKey({ contextName: session.contextName, workload, remotePort });
    const existing = this.active.get(key) ?? (await this.starting.get(key));
    if (existing) return existing;
    const pending = this.launch(session, key, workload, remotePort, options).finally(() =>
      this.starting.delete(key),
    );
    this.starting.set(key, pending);
    return pending;
  }

  private async launch(
    session: ClusterSession,
    key: string,
    workload: WorkloadRef,
    remotePort: number,
    options: { label?: string; localPort?: number; waitForPod?: boolean },
  ): Promise<ActiveForward> {
    const handle = await startPortForward(session.kubeConfig, {
      ...podTargetOf(workload),
      remotePort,
      localPort: options.localPort,
      waitForPod: options.waitForPod,
    });
    const spec: PersistedForward = {
      contextName: session.contextName,
      workload,
      remotePort,
      localPort: handle.localPort,
      label: options.label,
    };
    const forward: ActiveForward = { key, spec, handle };
    this.active.set(key, forward);
    const subscriptions = new DisposableStore();
    this.perForward.set(key, subscriptions);
    subscriptions.add(
      handle.onDidChangeState((status) => {
        this.services.output.info(
          `Forward ${key} (127.0.0.1:${handle.localPort}): ${status.state}${status.podName ? ` via ${status.podName}` : ''}${status.message ? `: ${status.message}` : ''}`,
        );
        this.changeEmitter.fire(forward);
      }),
    );
    subscriptions.add(
      handle.onDidChangeStats(() => {
        this.changeEmitter.fire(forward);
        if (handle.stats.activeConnections > 0) reportActivity(this.services, workload);
      }),
    );
    if (isRestorable(spec)) await this.store(upsertForward(this.stored(), spec));
    this.changeEmitter.fire(undefined);
    return forward;
  }

  /** Stops a forward for good: it is forgotten and not restored. */
  async stop(key: string): Promise<void> {
    this.close(key);
    await this.store(removeForward(this.stored(), key));
  }

  /** Stops listening but keeps the forward remembered (context switch, window closing). */
  private close(key: string): void {
    const forward = this.active.get(key);
    if (!forward) return;
    this.active.delete(key);
    this.perForward.get(key)?.dispose();
    this.perForward.delete(key);
    forward.handle.dispose();
    this.changeEmitter.fire(undefined);
  }

  /** Follows the active session: forwards of other contexts close, this context's come back. */
  async useSession(session: ClusterSession | undefined): Promise<void> {
    this.sessionListener?.dispose();
    this.sessionListener = undefined;
    for (const forward of this.list()) {
      if (forward.spec.contextName !== session?.contextName) this.close(forward.key);
    }
    if (!session) return;
    this.sessionListener = session.pods.onDidChange((change) => this.podsChanged(session, change));
    await this.restore(
      session,
      this.stored().filter((forward) => forward.contextName === session.contextName),
    );
  }

  /** A dev pod that was resumed gets its remembered forwards back. */
  private podsChanged(session: ClusterSession, change: CacheChange<V1Pod>): void {
    for (const pod of [...change.added, ...change.updated]) {
      const devPod = devPodNameOf(pod);
      if (!devPod || !isUsablePod(pod)) continue;
      const remembered = forwardsOfWorkload(this.stored(), session.contextName, {
        kind: 'DevPod',
        namespace: pod.metadata?.namespace ?? '',
        name: devPod,
      });
      void this.restore(session, remembered);
    }
  }

  private async restore(
    session: ClusterSession,
    forwards: readonly PersistedForward[],
  ): Promise<void> {
    for (const forward of forwards) {
      if (
        !isRestorable(forward) ||
        this.active.has(forwardKey(forward)) ||
        this.starting.has(forwardKey(forward))
      )
        continue;
      try {
        await this.start(session, forward.workload, forward.remotePort, {
          label: forward.label,
          localPort: forward.localPort,
          waitForPod: true,
        });
      } catch (error) {
        this.services.output.warn(
          `Could not restore the forward ${forwardKey(forward)}: ${(error as Error).message}`,
        );
      }
    }
  }

  dispose(): void {
    this.sessionListener?.dispose();
    for (const key of [...this.active.keys()]) this.close(key);
    this.changeEmitter.dispose();
  }
}
