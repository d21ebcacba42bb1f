import * as vscode from 'vscode';
import type { Services } from '../common/services';
import { PanelHost } from '../common/panelHost';
import type { WorkloadRef } from '../cluster/workloadRef';
import { planGpuSource, sampleGpuSource, type PlannedSource } from './gpuSource';
import { SnapshotHistory } from './model/history';
import { IdleDetector } from './model/idleDetector';
import type { ViewToHost, HostToView } from '../webviews/gpuMetrics/protocol';

export const GPU_WINDOW_MINUTES = 5;

/**
 * One GPU Metrics panel. Samples every kubeMl.gpuMetrics.refreshSeconds while visible and not
 * at all while hidden; the last minutes are kept here so a re-shown panel redraws at once
 * (which is why retainContextWhenHidden is not needed).
 */
export class GpuMetricsPanel implements vscode.Disposable {
  private readonly history = new SnapshotHistory(GPU_WINDOW_MINUTES * 60_000);
  private readonly idle = new IdleDetector({
    thresholdPercent: 5,
    windowMs: GPU_WINDOW_MINUTES * 60_000,
  });
  private readonly host: PanelHost<HostToView, ViewToHost>;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private sampling = false;
  private problem: string | undefined;
  /** Samples taken so far (tests read it to prove hidden panels do not poll). */
  samplesTaken = 0;

  private constructor(
    private readonly services: Services,
    readonly workload: WorkloadRef,
    private readonly source: PlannedSource,
    private readonly onIdle: (workload: WorkloadRef, minutes: number) => void,
  ) {
    const title = `GPUs: ${workload.kind === 'Node' ? `node ${workload.name}` : `${workload.namespace}/${workload.name}`}`;
    this.host = new PanelHost(services.extensionContext.extensionUri, {
      viewType: 'kubeMl.gpuMetrics',
      title,
      bundle: 'gpuMetrics',
      restore: () => this.replay(),
    });
    this.host.add(this.panel.onDidChangeViewState(() => this.schedule()));
    this.host.add({ dispose: () => this.stopTimer() });
    this.schedule();
  }

  static async open(
    services: Services,
    workload: WorkloadRef,
    onIdle: (workload: WorkloadRef, minutes: number) => void,
  ): Promise<GpuMetricsPanel> {
    const session = services.connection.requireSession();
    const source = await planGpuSource(session.kubeConfig, workload);
    return new GpuMetricsPanel(services, workload, source, onIdle);
  }

  get panel(): vscode.WebviewPanel {
    return this.host.panel;
  }

  get polling(): boolean {
    return this.timer !== undefined || this.sampling;
  }

  private replay(): void {
    this.host.post({
      type: 'init',
      title: this.panel.title,
      refreshSeconds: this.services.settings.gpuMetricsRefreshSeconds(),
      windowMinutes: GPU_WINDOW_MINUTES,
    });
    for (const note of this.source.notes) this.host.post({ type: 'problem', message: note });
    if (this.problem) this.host.post({ type: 'problem', message: this.problem });
    this.host.post({ type: 'snapshots', snapshots: this.history.all() });
    this.host.post({ type: 'polling', active: this.panel.visible });
  }

  /** Starts the timer when visible, stops it when hidden. */
  private schedule(): void {
    if (this.host.isDisposed) return;
    if (!this.panel.visible) {
      this.stopTimer();
      return;
    }
    if (this.timer || this.sampling) return;
    this.timer = setTimeout(
      () => void this.sample(),
      this.samplesTaken === 0 ? 0 : this.services.settings.gpuMetricsRefreshSeconds() * 1000,
    );
  }

  private async sample(): Promise<void> {
    this.timer = undefined;
    if (this.host.isDisposed || !this.panel.visible) return;
    this.sampling = true;
    try {
      const session = this.services.connection.requireSession();
      const snapshot = await sampleGpuSource(session.kubeConfig, this.source.plan);
      this.samplesTaken++;
      this.history.add(snapshot);
      this.problem = undefined;
      this.host.post({ type: 'snapshots', snapshots: [snapshot] });
      if (
        this.workload.kind === 'DevPod' &&
        this.idle.observe(
          snapshot.time,
          snapshot.gpus.map((gpu) => gpu.utilisation),
        )
      ) {
        this.onIdle(this.workload, this.idle.idleMinutes(snapshot.time));
      }
    } catch (error) {
      this.samplesTaken++;
      const message = error instanceof Error ? error.message : String(error);
      if (message !== this.problem)
        this.services.output.warn(`GPU metrics ${this.panel.title}: ${message}`);
      this.problem = message;
      this.host.post({ type: 'problem', message });
    } finally {
      this.sampling = false;
    }
    this.schedule();
  }

  private stopTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  reveal(): void {
    this.host.reveal();
  }

  dispose(): void {
    this.host.dispose();
  }
}
