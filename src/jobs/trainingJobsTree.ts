import * as vscode from 'vscode';
import type { WorkloadRef } from '../cluster/workloadRef';
import { runWorkload } from './model/manifests';
import { RUNTIME_LABELS } from './model/runtime';
import {
  describeRun,
  formatDuration,
  runDuration,
  type RunState,
  type RunView,
} from './model/runState';
import type { RunRef } from './runActions';
import type { RunStore } from './runStore';

const STATE_ICONS: Record<RunState, vscode.ThemeIcon> = {
  queued: new vscode.ThemeIcon('watch', new vscode.ThemeColor('charts.yellow')),
  pending: new vscode.ThemeIcon('loading~spin'),
  running: new vscode.ThemeIcon('play-circle', new vscode.ThemeColor('charts.blue')),
  succeeded: new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed')),
  failed: new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed')),
};

/**
 * One run in the Training Jobs view; View Logs / GPU Metrics read `workload`. The same object
 * stays in the tree for the run's lifetime (VS Code refreshes elements by identity) and is
 * updated in place.
 */
export class TrainingJobItem extends vscode.TreeItem {
  readonly workload: WorkloadRef;
  readonly run: RunRef;
  view: RunView;

  constructor(view: RunView, now: Date) {
    super(view.name, vscode.TreeItemCollapsibleState.None);
    this.id = `trainingJob/${view.namespace}/${view.name}`;
    this.workload = runWorkload(view);
    this.run = { namespace: view.namespace, name: view.name, runtime: view.runtime };
    this.view = view;
    this.update(view, now);
  }

  update(view: RunView, now: Date): void {
    this.view = view;
    this.contextValue = `trainingJob.${view.state}`;
    this.description =
      view.reason && view.state !== 'running'
        ? `${describeRun(view, now)} · ${view.reason}`
        : describeRun(view, now);
    this.iconPath = STATE_ICONS[view.state];
    const duration = runDuration(view, now);
    const tooltip = new vscode.MarkdownString();
    tooltip.appendMarkdown(`**${view.name}** (${view.state})\n\n`);
    tooltip.appendText(`Runtime: ${RUNTIME_LABELS[view.runtime]}\n`);
    tooltip.appendText(
      `Workers: ${view.runningWorkers}/${view.workers} running, ${view.gpusPerWorker} GPU(s) each\n`,
    );
    if (view.queue) tooltip.appendText(`Queue: ${view.queue}\n`);
    if (duration !== undefined) tooltip.appendText(`Duration: ${formatDuration(duration)}\n`);
    if (view.reason) tooltip.appendText(`Reason: ${view.reason}\n`);
    this.tooltip = tooltip;
  }
}

/**
 * The Training Jobs view: a flat list of runs, newest first. Only the runs whose view changed
 * are refreshed; running runs tick their duration every few seconds.
 */
export class TrainingJobsTree
  implements vscode.TreeDataProvider<TrainingJobItem>, vscode.Disposable
{
  private readonly changeEmitter = new vscode.EventEmitter<
    TrainingJobItem | TrainingJobItem[] | undefined
  >();
  readonly onDidChangeTreeData = this.changeEmitter.event;
  private store: RunStore | undefined;
  private storeListener: { dispose(): void } | undefined;
  private readonly items = new Map<string, TrainingJobItem>();
  private readonly ticker: ReturnType<typeof setInterval>;

  constructor() {
    this.ticker = setInterval(() => this.tick(), 5000);
  }

  setStore(store: RunStore | undefined): void {
    this.storeListener?.dispose();
    this.store = store;
    this.items.clear();
    this.storeListener = store?.onDidChange((change) => {
      const now = new Date();
      for (const name of change.removed) this.items.delete(name);
      const updated: TrainingJobItem[] = [];
      let added = false;
      for (const view of change.changed) {
        const item = this.items.get(view.name);
        if (item) {
          item.update(view, now);
          updated.push(item);
        } else {
          added = true;
        }
      }
      // New or removed runs change the list itself; otherwise only the changed items refresh.
      this.changeEmitter.fire(added || change.removed.length > 0 ? undefined : updated);
    });
    this.changeEmitter.fire(undefined);
  }

  getTreeItem(element: TrainingJobItem): vscode.TreeItem {
    return element;
  }

  getChildren(element?: TrainingJobItem): TrainingJobItem[] {
    if (element || !this.store) return [];
    const now = new Date();
    return this.store.list().map((view) => {
      let item = this.items.get(view.name);
      if (item) {
        item.update(view, now);
      } else {
        item = new TrainingJobItem(view, now);
        this.items.set(view.name, item);
      }
      return item;
    });
  }

  /** Items in view order (for tests and the compare picker). */
  runs(): RunView[] {
    return this.store?.list() ?? [];
  }

  /** What the view shows, as plain data (extension-host tests read it through a command). */
  /** The runs as plain rows, for extension-host tests. */
  rows(): {
    name: string;
    contextValue: string;
    description: string;
    state: RunState;
    reason?: string;
    workers: number;
    gpusPerWorker: number;
  }[] {
    return this.getChildren().map((item) => ({
      name: item.view.name,
      contextValue: String(item.contextValue),
      description: String(item.description),
      state: item.view.state,
      reason: item.view.reason,
      workers: item.view.workers,
      gpusPerWorker: item.view.gpusPerWorker,
    }));
  }

  private tick(): void {
    const now = new Date();
    const ticking: TrainingJobItem[] = [];
    for (const item of this.items.values()) {
      if (item.view.state === 'running') {
        item.update(item.view, now);
        ticking.push(item);
      }
    }
    if (ticking.length) this.changeEmitter.fire(ticking);
  }

  dispose(): void {
    clearInterval(this.ticker);
    this.storeListener?.dispose();
    this.changeEmitter.dispose();
  }
}
