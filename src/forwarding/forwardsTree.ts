import * as vscode from 'vscode';
import type { ActiveForward, ForwardRegistry } from './forwardRegistry';
import { forwardDescription, forwardLabel } from './model/forwardLabels';
import { RefreshThrottle } from './model/refreshThrottle';

/** Traffic and outages change forwards far more often than anyone can read a tree. */
const REFRESH_INTERVAL_MS = 300;

const STATE_ICONS: Record<string, vscode.ThemeIcon> = {
  ready: new vscode.ThemeIcon('plug', new vscode.ThemeColor('testing.iconPassed')),
  starting: new vscode.ThemeIcon('loading~spin'),
  reconnecting: new vscode.ThemeIcon('sync~spin'),
  waitingForPod: new vscode.ThemeIcon('debug-pause'),
  error: new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground')),
  stopped: new vscode.ThemeIcon('debug-disconnect'),
};

/** The item of one forward. */
export function forwardTreeItem(forward: ActiveForward): vscode.TreeItem {
  const { handle, spec } = forward;
  const item = new vscode.TreeItem(
    forwardLabel(handle.localPort, spec.workload.name, spec.remotePort, spec.label),
    vscode.TreeItemCollapsibleState.None,
  );
  item.id = forward.key;
  item.description = forwardDescription(handle.status, handle.stats);
  item.contextValue = 'forward';
  item.iconPath = STATE_ICONS[handle.state];
  item.tooltip = new vscode.MarkdownString(
    [
      `**${handle.url()}** → ${spec.workload.kind} ${spec.workload.namespace}/${spec.workload.name} port ${spec.remotePort}`,
      `State: ${handle.state}${handle.status.podName ? ` (pod ${handle.status.podName})` : ''}${handle.status.message ? `: ${handle.status.message}` : ''}`,
      `Connections: ${handle.stats.connections} total, ${handle.stats.activeConnections} open; reconnects: ${handle.stats.reconnects}`,
    ].join('\n\n'),
  );
  item.command = {
    command: 'kubeMl.openForwardInBrowser',
    title: 'Open in Browser',
    arguments: [{ forwardKey: forward.key }],
  };
  return item;
}

/** Port Forwards view: one item per forward, only the items that changed refreshed, at most every 300 ms. */
export class ForwardsTreeProvider
  implements vscode.TreeDataProvider<ActiveForward>, vscode.Disposable
{
  private readonly changeEmitter = new vscode.EventEmitter<ActiveForward[] | undefined>();
  readonly onDidChangeTreeData = this.changeEmitter.event;
  private readonly throttle = new RefreshThrottle<ActiveForward>(REFRESH_INTERVAL_MS, (changed) =>
    this.changeEmitter.fire(changed),
  );
  private readonly subscription: vscode.Disposable;

  constructor(private readonly registry: ForwardRegistry) {
    this.subscription = registry.onDidChange((forward) => this.throttle.add(forward));
  }

  getTreeItem(forward: ActiveForward): vscode.TreeItem {
    return forwardTreeItem(forward);
  }

  getChildren(element?: ActiveForward): ActiveForward[] {
    return element
      ? []
      : this.registry.list().sort((a, b) => a.handle.localPort - b.handle.localPort);
  }

  /** The forwards as plain rows, for extension-host tests. */
  rows(): {
    id?: string;
    label?: string | vscode.TreeItemLabel;
    description?: string | boolean;
    contextValue?: string;
    reconnects: number;
  }[] {
    return this.getChildren().map((forward) => {
      const item = forwardTreeItem(forward);
      return {
        id: item.id,
        label: item.label,
        description: item.description,
        contextValue: item.contextValue,
        reconnects: forward.handle.stats.reconnects,
      };
    });
  }

  dispose(): void {
    this.subscription.dispose();
    this.throttle.dispose();
    this.changeEmitter.dispose();
  }
}
