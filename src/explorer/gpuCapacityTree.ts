import * as vscode from 'vscode';
import type { WorkloadRef } from '../cluster/workloadRef';
import { describeAccess } from '../cluster/permissions';
import { describeGpuNode, describeProduct, gpuNodeTooltip, productTooltip } from './model/format';
import type { GpuCapacityFeed } from './model/gpuCapacityFeed';
import type { GpuAccountingChange } from '../cluster/gpu/accounting';
import { changedUtilisationRows, productUtilisation } from './model/gpuUtilisation';
import type { UtilisationChange, UtilisationPoller } from './utilisationPoller';
import { noteTreeItem, type NoteNode } from './noteNode';
import { DisposableStore } from '../cluster/disposableStore';

/** What the view needs of the utilisation poller (absent: allocation only). */
export type UtilisationFigures = Pick<UtilisationPoller<unknown>, 'byNode' | 'onDidChange'>;

export interface GpuProductNode {
  readonly type: 'gpuProduct';
  readonly product: string;
}
export interface GpuNodeNode {
  readonly type: 'gpuNode';
  readonly product: string;
  readonly nodeName: string;
  /** Lets shared commands (GPU Metrics, Create Dev Pod here) act on the node. */
  readonly workload: WorkloadRef;
}
export type GpuTreeNode = GpuProductNode | GpuNodeNode | NoteNode;

/**
 * GPU Capacity view: one row per GPU product (free / requested / allocatable / total, and GPU
 * utilisation when a DCGM exporter reports it) with its nodes below. Element objects are kept stable so that a change fires only the products and nodes
 * it touched; notes explain forbidden lists, reconnects and partial pod visibility.
 */
export class GpuCapacityTreeProvider
  implements vscode.TreeDataProvider<GpuTreeNode>, vscode.Disposable
{
  private readonly changes = new vscode.EventEmitter<GpuTreeNode | GpuTreeNode[] | undefined>();
  readonly onDidChangeTreeData = this.changes.event;
  private readonly productNodes = new Map<string, GpuProductNode>();
  private readonly nodeNodes = new Map<string, GpuNodeNode>();
  private feedSubscription: { dispose(): void } | undefined;
  private readonly subscriptions = new DisposableStore();

  constructor(
    private readonly feed: () => GpuCapacityFeed | undefined,
    onDidChangeFeed: vscode.Event<GpuCapacityFeed | undefined>,
    private readonly utilisation?: UtilisationFigures,
  ) {
    this.subscriptions.add(this.changes);
    this.subscriptions.add(onDidChangeFeed(() => this.watchFeed()));
    if (utilisation)
      this.subscriptions.add(
        utilisation.onDidChange((change) => this.fireUtilisationChange(change)),
      );
    this.watchFeed();
  }

  getTreeItem(node: GpuTreeNode): vscode.TreeItem {
    const accounting = this.feed()?.accounting;
    switch (node.type) {
      case 'gpuProduct': {
        const summary = accounting?.product(node.product);
        const item = new vscode.TreeItem(node.product, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `gpuProduct:${node.product}`;
        item.contextValue = 'gpuProduct';
        item.iconPath = new vscode.ThemeIcon('circuit-board');
        if (summary) {
          const utilisation =
            this.utilisation && productUtilisation(summary.nodeNames, this.utilisation.byNode);
          item.description = describeProduct(summary, utilisation);
          item.tooltip = productTooltip(summary, utilisation);
        }
        return item;
      }
      case 'gpuNode': {
        const summary = accounting
          ?.nodesOfProduct(node.product)
          .find((candidate) => candidate.name === node.nodeName);
        const item = new vscode.TreeItem(node.nodeName, vscode.TreeItemCollapsibleState.None);
        item.id = `gpuNode:${node.product}/${node.nodeName}`;
        item.contextValue = 'gpuNode';
        if (summary) {
          const utilisation = this.utilisation?.byNode.get(node.nodeName);
          item.description = describeGpuNode(summary, utilisation);
          item.tooltip = gpuNodeTooltip(summary, utilisation);
          const healthy = summary.ready && !summary.cordoned;
          item.iconPath = new vscode.ThemeIcon(
            healthy ? 'server' : 'server-process',
            healthy
              ? undefined
              : new vscode.ThemeColor(
                  summary.ready ? 'list.warningForeground' : 'list.errorForeground',
                ),
          );
        }
        return item;
      }
      case 'note':
        return noteTreeItem(node);
    }
  }

  getChildren(node?: GpuTreeNode): GpuTreeNode[] {
    const feed = this.feed();
    if (!feed) {
      return [];
    }
    if (node?.type === 'gpuProduct') {
      return feed.accounting
        .nodesOfProduct(node.product)
        .map((summary) => this.nodeNode(node.product, summary.name));
    }
    if (node) {
      return [];
    }
    return [
      ...this.notes(feed),
      ...feed.accounting.products().map((product) => this.productNode(product.product)),
    ];
  }

  getParent(node: GpuTreeNode): GpuTreeNode | undefined {
    return node.type === 'gpuNode' ? this.productNode(node.product) : undefined;
  }

  dispose(): void {
    this.feedSubscription?.dispose();
    this.subscriptions.dispose();
  }

  private notes(feed: GpuCapacityFeed): NoteNode[] {
    const notes: NoteNode[] = [];
    const nodes = feed.nodeStatus;
    const pods = feed.podStatus;
    if (nodes.state === 'connecting') {
      notes.push(this.note('loading', 'Loading nodes…', 'loading~spin'));
    } else if (nodes.error?.kind === 'forbidden') {
      notes.push(
        this.note(
          'nodes-forbidden',
          `Listing nodes is forbidden (${describeAccess({ verb: 'list', resource: 'nodes' })}): GPU capacity cannot be shown.`,
          'warning',
          nodes.error.hint,
        ),
      );
    } else if (nodes.error && nodes.state !== 'ready') {
      notes.push(
        this.note(
          'nodes-error',
          `${nodes.error.summary}${nodes.state === 'reconnecting' ? ' Reconnecting…' : ''}`,
          'error',
          nodes.error.hint,
        ),
      );
    } else if (nodes.state === 'ready' && feed.accounting.products().length === 0) {
      notes.push(
        this.note(
          'no-gpus',
          'No GPU nodes: no node advertises nvidia.com/gpu, amd.com/gpu or nvidia.com/mig-*.',
          'info',
        ),
      );
    }
    if (pods.error && pods.state !== 'ready') {
      const message =
        pods.error.kind === 'forbidden'
          ? `Listing pods is forbidden (list pods in namespace ${feed.session.namespace}): requested GPUs are not counted.`
          : `${pods.error.summary}${pods.state === 'reconnecting' ? ' Reconnecting…' : ''}`;
      notes.push(
        this.note(
          'pods-error',
          message,
          pods.error.kind === 'forbidden' ? 'warning' : 'error',
          pods.error.hint,
        ),
      );
    } else if (feed.podScope === 'namespace') {
      notes.push(
        this.note(
          'pods-scope',
          `Requested GPUs count pods in ${feed.session.namespace} only: listing pods in all namespaces is forbidden.`,
          'info',
        ),
      );
    }
    return notes;
  }

  private watchFeed(): void {
    this.feedSubscription?.dispose();
    this.productNodes.clear();
    this.nodeNodes.clear();
    const feed = this.feed();
    this.feedSubscription = feed?.onDidChange((event) =>
      event.kind === 'status' ? this.fire(undefined) : this.fireChange(event.change),
    );
    this.fire(undefined);
  }

  private fireChange(change: GpuAccountingChange): void {
    if (change.productsAddedOrRemoved) {
      this.fire(undefined);
      return;
    }
    this.fireRows(change.products, change.nodes);
  }

  private fireUtilisationChange(change: UtilisationChange): void {
    const accounting = this.feed()?.accounting;
    if (!accounting) return;
    const rows = changedUtilisationRows(change.previous, change.current, accounting.products());
    this.fireRows(rows.products, rows.nodes);
  }

  private fireRows(products: readonly string[], nodes: readonly string[]): void {
    const accounting = this.feed()?.accounting;
    // Only elements the view has already asked for can be refreshed; others render fresh anyway.
    const elements: GpuTreeNode[] = products.flatMap(
      (product) => this.productNodes.get(product) ?? [],
    );
    for (const nodeName of nodes) {
      for (const product of new Set(
        accounting?.node(nodeName)?.devices.map((device) => device.product) ?? [],
      )) {
        const known = this.nodeNodes.get(`${product}/${nodeName}`);
        if (known) elements.push(known);
      }
    }
    if (elements.length === 0) return;
    this.fire(elements);
  }

  private fire(elements: GpuTreeNode[] | undefined): void {
    this.changes.fire(elements);
  }

  private productNode(product: string): GpuProductNode {
    let node = this.productNodes.get(product);
    if (!node) {
      node = { type: 'gpuProduct', product };
      this.productNodes.set(product, node);
    }
    return node;
  }

  private nodeNode(product: string, nodeName: string): GpuNodeNode {
    const key = `${product}/${nodeName}`;
    let node = this.nodeNodes.get(key);
    if (!node) {
      node = {
        type: 'gpuNode',
        product,
        nodeName,
        workload: { kind: 'Node', namespace: '', name: nodeName },
      };
      this.nodeNodes.set(key, node);
    }
    return node;
  }

  private note(id: string, message: string, icon: NoteNode['icon'], tooltip?: string): NoteNode {
    return { type: 'note', id: `gpuNote:${id}`, message, icon, tooltip };
  }
}
