import * as vscode from 'vscode';
import type { GpuCapacityFeed } from './model/gpuCapacityFeed';
import { statusBarText } from './model/format';
import type { ClusterConnection } from '../common/services';
import { DisposableStore } from '../cluster/disposableStore';

/**
 * Status-bar item "context / namespace  free/allocatable GPUs"; clicking it switches namespace.
 * GPU figures come from the shared GpuCapacityFeed and are re-rendered at most every 250 ms.
 */
const RENDER_DELAY_MS = 250;

export class ClusterStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem(
    'kubeMl.status',
    vscode.StatusBarAlignment.Left,
    50,
  );
  private readonly subscriptions = new DisposableStore();
  private feedSubscription: { dispose(): void } | undefined;
  private renderTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly connection: ClusterConnection,
    private readonly feed: () => GpuCapacityFeed | undefined,
    onDidChangeFeed: vscode.Event<GpuCapacityFeed | undefined>,
  ) {
    this.item.name = 'Kube ML Cluster';
    this.item.command = 'kubeMl.switchNamespace';
    this.subscriptions.add(this.item);
    this.subscriptions.add(onDidChangeFeed(() => this.watchFeed()));
    this.watchFeed();
  }

  /** The text shown, for tests. */
  get text(): string {
    return this.item.text;
  }

  dispose(): void {
    clearTimeout(this.renderTimer);
    this.feedSubscription?.dispose();
    this.subscriptions.dispose();
  }

  private watchFeed(): void {
    this.feedSubscription?.dispose();
    this.feedSubscription = this.feed()?.onDidChange(() => this.scheduleRender());
    this.render();
  }

  private scheduleRender(): void {
    this.renderTimer ??= setTimeout(() => {
      this.renderTimer = undefined;
      this.render();
    }, RENDER_DELAY_MS);
  }

  private render(): void {
    const session = this.connection.session;
    if (!session) {
      this.item.hide();
      return;
    }
    const feed = this.feed();
    const totals =
      feed && feed.nodeStatus.state !== 'failed' ? feed.accounting.totals() : undefined;
    const reconnecting =
      feed?.nodeStatus.state === 'reconnecting' || feed?.podStatus.state === 'reconnecting';
    this.item.text = statusBarText(session.contextName, session.namespace, totals, reconnecting);
    const scope =
      feed?.podScope === 'namespace' ? ` (requested counts pods in ${session.namespace} only)` : '';
    const lines = [`Kube ML: context ${session.contextName}, namespace ${session.namespace}`];
    if (reconnecting)
      lines.push(
        `Reconnecting: ${(feed?.nodeStatus.error ?? feed?.podStatus.error)?.summary ?? 'the API server went away.'}`,
      );
    if (totals)
      lines.push(
        `${totals.schedulableFree} GPUs free on nodes that take new GPU pods, ${totals.requested} requested${scope}, ${totals.allocatable} allocatable, ${totals.total} total.`,
      );
    lines.push('Click to switch namespace.');
    this.item.tooltip = lines.join('\n');
    this.item.show();
  }
}
