import * as vscode from 'vscode';
import type { HasWorkload, WorkloadRef } from '../cluster/workloadRef';
import type { EndpointInfo, EndpointStore } from './endpointStore';

const PHASE_ICONS: Record<EndpointInfo['phase'], [string, string | undefined]> = {
  available: ['pass-filled', 'testing.iconPassed'],
  progressing: ['sync~spin', undefined],
  failed: ['error', 'testing.iconFailed'],
  scaledToZero: ['circle-outline', undefined],
  unknown: ['question', undefined],
};

/** One endpoint: state, replicas and URL; its `workload` lets View Logs and Forward Port act on it. */
export class EndpointItem extends vscode.TreeItem implements HasWorkload {
  readonly workload: WorkloadRef;

  constructor(readonly endpoint: EndpointInfo) {
    super(endpoint.name, vscode.TreeItemCollapsibleState.None);
    this.id = `endpoint:${endpoint.id}`;
    this.workload = endpoint.workload;
    // Menus match /^endpoint/; the suffix lets future menus tell states apart.
    this.contextValue = `endpoint.${endpoint.phase}`;
    const runtime = endpoint.spec?.runtime ?? 'custom';
    this.description = `${endpoint.phase === 'available' ? 'ready' : endpoint.phase} · ${endpoint.ready}/${endpoint.desired} · ${runtime}${endpoint.backend === 'kserve' ? ' (KServe)' : ''}`;
    const [icon, color] = PHASE_ICONS[endpoint.phase];
    this.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
    const tooltip = new vscode.MarkdownString(undefined, true);
    tooltip.appendMarkdown(`**${endpoint.name}** (${endpoint.namespace})\n\n`);
    tooltip.appendText(`${endpoint.summary}\n\nURL in the cluster: ${endpoint.url}\n`);
    if (endpoint.externalUrl) tooltip.appendText(`Exposed at: ${endpoint.externalUrl}\n`);
    if (endpoint.spec)
      tooltip.appendText(
        `Model: ${endpoint.spec.model.claimName}:/${endpoint.spec.model.path} · GPUs per replica: ${endpoint.spec.gpus}${endpoint.spec.gpuProduct ? ` (${endpoint.spec.gpuProduct})` : ''}`,
      );
    this.tooltip = tooltip;
    this.command = {
      command: 'kubeMl.openPlayground',
      title: 'Open Playground',
      arguments: [this],
    };
  }
}

class MessageItem extends vscode.TreeItem {
  constructor(message: string) {
    super(message, vscode.TreeItemCollapsibleState.None);
    this.id = 'endpoints:message';
    this.iconPath = new vscode.ThemeIcon('warning');
  }
}

/** The Endpoints view; refreshes only the items whose endpoint changed. */
export class EndpointsTreeProvider
  implements vscode.TreeDataProvider<vscode.TreeItem>, vscode.Disposable
{
  private readonly changes = new vscode.EventEmitter<vscode.TreeItem | undefined>();
  readonly onDidChangeTreeData = this.changes.event;
  private items = new Map<string, EndpointItem>();
  private readonly subscription: { dispose(): void };

  constructor(private readonly store: EndpointStore) {
    this.subscription = store.onDidChange((ids) => this.update(ids));
  }

  private update(ids: readonly string[]): void {
    const known = ids.every((id) => this.items.has(id) && this.store.get(id));
    if (!known || ids.length === 0) {
      // Added or removed endpoints (or an error) change the list itself.
      this.items = new Map(
        this.store.list().map((endpoint) => [endpoint.id, new EndpointItem(endpoint)]),
      );
      this.changes.fire(undefined);
      return;
    }
    for (const id of ids) {
      const item = this.items.get(id);
      const endpoint = this.store.get(id);
      if (!item || !endpoint) continue;
      // Replace the item's fields in place: VS Code re-reads the element it already holds.
      Object.assign(item, new EndpointItem(endpoint));
      this.changes.fire(item);
    }
  }

  getTreeItem(element: vscode.TreeItem): vscode.TreeItem {
    return element;
  }

  getChildren(element?: vscode.TreeItem): vscode.TreeItem[] {
    if (element) return [];
    if (this.store.error) return [new MessageItem(this.store.error.message)];
    if (this.items.size !== this.store.list().length)
      this.items = new Map(
        this.store.list().map((endpoint) => [endpoint.id, new EndpointItem(endpoint)]),
      );
    return [...this.items.values()];
  }

  /** The item of an endpoint, for tests and reveal. */
  itemFor(id: string): EndpointItem | undefined {
    return this.items.get(id);
  }

  dispose(): void {
    this.subscription.dispose();
    this.changes.dispose();
  }
}
