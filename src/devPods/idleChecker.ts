import * as vscode from 'vscode';
import { CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import type { ClusterSession } from '../cluster/session';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../cluster/workloadRef';
import type { Services } from '../common/services';
import { patchLastActivity, reportDevPodActivity } from '../cluster/devPodActivity';
import { stopDevPod } from './lifecycle';
import { DEV_POD_LABEL } from '../cluster/devPodContract';
import { BUSY_GPU_PERCENT, decideIdleForPod, formatDuration } from './model/idlePolicy';

/** Often enough that a stop lands within a minute of its deadline; reads the watch cache only. */
const CHECK_MS = 30_000;

/**
 * Idle shutdown while VS Code runs: warns before the deadline with "Keep it running", stops at
 * it. The in-cluster CronJob enforces the same rule when VS Code is closed; whichever comes first
 * stops the pod, and the other then finds nothing to do.
 */
export class IdleChecker implements vscode.Disposable {
  private readonly timer: NodeJS.Timeout;
  /** uid of pods warned about, so one warning per idle period. */
  private readonly warned = new Set<string>();
  private readonly stopping = new Set<string>();

  constructor(private readonly services: Services) {
    this.timer = setInterval(() => this.check(Date.now()), CHECK_MS);
  }

  /** One pass over the dev pods of the session's namespace (public so tests can drive the clock). */
  check(now: number): void {
    const session = this.services.connection.session;
    if (!session) return;
    for (const pod of session.pods.list()) {
      if (
        pod.metadata?.namespace !== session.namespace ||
        pod.metadata.labels?.[MANAGED_BY_LABEL] !== MANAGED_BY_VALUE ||
        pod.metadata.deletionTimestamp ||
        pod.status?.phase !== 'Running'
      )
        continue;
      const name = pod.metadata.labels?.[DEV_POD_LABEL];
      const uid = pod.metadata.uid ?? '';
      if (!name) continue;
      // Known GPU utilisation (sampled by the GPU idle watcher) counts: busy GPUs are work even with
      // no session open; unknown utilisation does not block idling.
      const gpuUtilisationPercent = this.services.devPodGpuUtilisation.percentOf(uid, now);
      if (gpuUtilisationPercent !== undefined && gpuUtilisationPercent >= BUSY_GPU_PERCENT)
        this.reportBusyGpus(session, name, now);
      const decision = decideIdleForPod(pod, now, { gpuUtilisationPercent });
      if (decision.action === 'warn' && !this.warned.has(uid)) {
        this.warned.add(uid);
        void this.warn(session, pod, name, decision.idleMs, decision.stopAt - now);
      } else if (decision.action === 'stop' && !this.stopping.has(uid)) {
        this.stopping.add(uid);
        void this.stop(session, name, decision.idleMs);
      } else if (decision.action === 'active' || decision.action === 'off') {
        this.warned.delete(uid);
      }
    }
  }

  /**
   * Records busy GPUs as activity on the pod (throttled to once a minute), so the idle clock restarts
   * when they go quiet and the in-cluster reaper, which cannot see utilisation, agrees.
   */
  private reportBusyGpus(session: ClusterSession, name: string, now: number): void {
    reportDevPodActivity(session, session.namespace, name, now).catch((error: unknown) =>
      this.services.output.warn(
        `Dev pod ${session.namespace}/${name}: could not record GPU activity: ${error instanceof Error ? error.message : String(error)}`,
      ),
    );
  }

  private async warn(
    session: ClusterSession,
    pod: V1Pod,
    name: string,
    idleMs: number,
    remainingMs: number,
  ): Promise<void> {
    const keep = 'Keep it running';
    const stopNow = 'Stop now';
    const answer = await vscode.window.showWarningMessage(
      `Dev pod ${name} has been idle for ${formatDuration(idleMs)} and will be stopped in ${formatDuration(remainingMs)} to release its GPUs (its workspace volume is kept).`,
      keep,
      stopNow,
    );
    if (answer === keep) {
      await this.services.errors.guard(`keep dev pod ${name} running`, async () => {
        await patchLastActivity(
          session.kubeConfig.makeApiClient(CoreV1Api),
          session.namespace,
          name,
          new Date(),
        );
        this.warned.delete(pod.metadata?.uid ?? '');
      });
    } else if (answer === stopNow) {
      await this.stop(session, name, idleMs);
    }
  }

  private async stop(session: ClusterSession, name: string, idleMs: number): Promise<void> {
    if (!(await session.can({ verb: 'delete', resource: 'pods', namespace: session.namespace }))) {
      this.services.output.warn(
        `Dev pod ${session.namespace}/${name} is idle but you may not delete pods there; leaving it to the in-cluster idle reaper.`,
      );
      return;
    }
    await this.services.errors.guard(`stop idle dev pod ${name}`, async () => {
      await stopDevPod(
        session.kubeConfig,
        session.namespace,
        name,
        `idle for ${formatDuration(idleMs)}`,
      );
      const resume = 'Resume';
      const answer = await vscode.window.showInformationMessage(
        `Stopped idle dev pod ${name} to release its GPUs; its workspace volume is kept.`,
        resume,
      );
      if (answer === resume) await vscode.commands.executeCommand('kubeMl.resumeDevPod', name);
    });
  }

  dispose(): void {
    clearInterval(this.timer);
  }
}
