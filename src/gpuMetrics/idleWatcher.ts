import * as vscode from 'vscode';
import type { V1Pod } from '@kubernetes/client-node';
import type { Services } from '../common/services';
import type { ClusterSession } from '../cluster/session';
import type { WorkloadRef } from '../cluster/workloadRef';
import { devPodSelector } from '../cluster/devPodContract';
import { devPodNameOf } from '../cluster/podResolver';
import { podSpecGpus } from '../cluster/gpu/requests';
import { planGpuSource, sampleGpuSource, type GpuSourcePlan } from './gpuSource';
import { IdleDetector } from './model/idleDetector';
import { followSession } from '../common/sessionScoped';

/** Once a minute is plenty to notice GPUs idle for minutes, and costs one exec per dev pod. */
const SAMPLE_INTERVAL_MS = 60_000;

interface Watched {
  readonly workload: WorkloadRef;
  readonly detector: IdleDetector;
  plan?: GpuSourcePlan;
}

/**
 * Notices GPUs allocated to the user's running dev pods sitting idle (under 5% for the whole
 * window) even when no GPU Metrics panel is open, and reports each dev pod once.
 */
export class IdleGpuWatcher implements vscode.Disposable {
  private readonly watched = new Map<string, Watched>();
  private readonly timer: ReturnType<typeof setInterval>;
  private readonly sessionListener: vscode.Disposable;
  private sampling = false;

  constructor(
    private readonly services: Services,
    private readonly windowMs: number,
    private readonly onIdle: (workload: WorkloadRef, minutes: number) => void,
  ) {
    this.timer = setInterval(() => void this.sampleAll(), SAMPLE_INTERVAL_MS);
    // What was watched belongs to the previous context or namespace.
    this.sessionListener = followSession(services.connection, () => {
      this.watched.clear();
      services.devPodGpuUtilisation.clear();
    });
  }

  private devPodsWithGpus(session: ClusterSession): V1Pod[] {
    return session.pods
      .list()
      .filter(
        (pod) =>
          pod.metadata?.namespace === session.namespace &&
          devPodNameOf(pod) !== undefined &&
          pod.status?.phase === 'Running' &&
          !pod.metadata.deletionTimestamp &&
          podSpecGpus(pod.spec) > 0,
      );
  }

  private async sampleAll(): Promise<void> {
    const session = this.services.connection.session;
    if (!session || this.sampling) return;
    this.sampling = true;
    try {
      const pods = this.devPodsWithGpus(session);
      const live = new Set(pods.map((pod) => pod.metadata?.uid ?? ''));
      for (const key of [...this.watched.keys()]) if (!live.has(key)) this.watched.delete(key);
      this.services.devPodGpuUtilisation.retain(live);
      for (const pod of pods) {
        const key = pod.metadata?.uid ?? '';
        let entry = this.watched.get(key);
        if (!entry) {
          const name = devPodNameOf(pod) ?? '';
          entry = {
            workload: {
              kind: 'DevPod',
              namespace: session.namespace,
              name,
              podSelector: devPodSelector(name),
            },
            detector: new IdleDetector({ thresholdPercent: 5, windowMs: this.windowMs }),
          };
          this.watched.set(key, entry);
        }
        try {
          entry.plan ??= (await planGpuSource(session.kubeConfig, entry.workload)).plan;
          const snapshot = await sampleGpuSource(session.kubeConfig, entry.plan);
          // Idle shutdown (src/devPods/idleChecker.ts) treats busy GPUs as activity.
          this.services.devPodGpuUtilisation.publish(
            key,
            snapshot.gpus.map((gpu) => gpu.utilisation),
            snapshot.time,
          );
          if (
            entry.detector.observe(
              snapshot.time,
              snapshot.gpus.map((gpu) => gpu.utilisation),
            )
          )
            this.onIdle(entry.workload, entry.detector.idleMinutes(snapshot.time));
        } catch (error) {
          // A pod without nvidia-smi or a transient failure: the panel shows such problems; here we only log.
          this.services.output.debug(
            `Idle GPU check of ${entry.workload.namespace}/${entry.workload.name}: ${error instanceof Error ? error.message : String(error)}`,
          );
          entry.plan = undefined;
        }
      }
    } finally {
      this.sampling = false;
    }
  }

  dispose(): void {
    clearInterval(this.timer);
    this.sessionListener.dispose();
    this.watched.clear();
  }
}
