import * as vscode from 'vscode';
import type { V1Namespace } from '@kubernetes/client-node';
import { namespacesOf } from '../cluster/kubeSession';
import type { ClusterConnection } from '../common/services';
import type { KubeWatchCache } from '../cluster/watchCache';
import type { KubeMlError } from '../cluster/errors';
import { noteTreeItem, type NoteNode } from './noteNode';
import { DisposableStore } from '../cluster/disposableStore';
import { followSession } from '../common/sessionScoped';

export interface ContextNode {
  readonly type: 'context';
  readonly name: string;
}
export interface NamespaceNode {
  readonly type: 'namespace';
  readonly contextName: string;
  readonly name: string;
}
export type ClusterTreeNode = ContextNode | NamespaceNode | NoteNode;

/** What the connection offers beyond the contract: why there is no session, and the target context. */
interface ConnectionDetails {
  readonly error?: KubeMlError;
  readonly activeContextName?: string;
}

/**
 * Clusters view: kubeconfig contexts (the active one marked and expanded) and the namespaces of
 * the active one, from a namespace watch. When listing namespaces is forbidden it still shows the
 * context's namespace, with a note naming the forbidden verb and resource.
 */
export class ClustersTreeProvider
  implements vscode.TreeDataProvider<ClusterTreeNode>, vscode.Disposable
{
  private readonly changes = new vscode.EventEmitter<
    ClusterTreeNode | ClusterTreeNode[] | undefined
  >();
  readonly onDidChangeTreeData = this.changes.event;
  private readonly contextNodes = new Map<string, ContextNode>();
  private readonly namespaceNodes = new Map<string, NamespaceNode>();
  private readonly sessionSubscriptions = new DisposableStore();
  private readonly subscriptions = new DisposableStore();

  constructor(private readonly connection: ClusterConnection & ConnectionDetails) {
    this.subscriptions.add(this.changes);
    this.subscriptions.add(followSession(connection, () => this.watchSession()));
  }

  refresh(): void {
    this.changes.fire(undefined);
  }

  getTreeItem(node: ClusterTreeNode): vscode.TreeItem {
    switch (node.type) {
      case 'context': {
        const active = node.name === this.activeContext();
        const item = new vscode.TreeItem(
          node.name,
          active ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None,
        );
        item.id = `context:${node.name}`;
        item.contextValue = 'context';
        item.description = active
          ? this.connection.session
            ? 'active'
            : 'active · not connected'
          : undefined;
        item.iconPath = new vscode.ThemeIcon(active ? 'pass-filled' : 'circle-large-outline');
        item.tooltip = active ? `Active context ${node.name}` : `Switch to context ${node.name}`;
        return item;
      }
      case 'namespace': {
        const current =
          this.connection.session?.namespace === node.name &&
          this.connection.session.contextName === node.contextName;
        const item = new vscode.TreeItem(node.name, vscode.TreeItemCollapsibleState.None);
        item.id = `namespace:${node.contextName}/${node.name}`;
        item.contextValue = 'namespace';
        item.description = current ? 'current' : undefined;
        item.iconPath = new vscode.ThemeIcon(current ? 'symbol-namespace' : 'symbol-field');
        const phase = this.namespaces()?.get(undefined, node.name)?.status?.phase;
        item.tooltip = `Namespace ${node.name}${phase ? ` (${phase})` : ''}`;
        if (!current)
          item.command = {
            command: 'kubeMl.switchNamespace',
            title: 'Switch Namespace',
            arguments: [node],
          };
        return item;
      }
      case 'note':
        return noteTreeItem(node);
    }
  }

  getChildren(node?: ClusterTreeNode): ClusterTreeNode[] {
    if (!node) {
      const names = this.connection.contextNames();
      const problem = this.connection.error;
      if (names.length === 0) {
        // No kubeconfig at all: the view's welcome content explains what to do.
        return problem && problem.kind !== 'noKubeconfig'
          ? [this.note('problem', problem.summary, problem.hint, 'error')]
          : [];
      }
      const contexts: ClusterTreeNode[] = names.map((name) => this.contextNode(name));
      const active = this.activeContext();
      // Without an active context (no current-context) the problem has no context row to sit under.
      return problem && (!active || !names.includes(active))
        ? [this.note('problem', problem.summary, problem.hint, 'warning'), ...contexts]
        : contexts;
    }
    if (node.type !== 'context' || node.name !== this.activeContext()) {
      return [];
    }
    const session = this.connection.session;
    if (!session) {
      const problem = this.connection.error;
      return problem ? [this.note('problem', problem.summary, problem.hint, 'error')] : [];
    }
    const namespaces = this.namespaces();
    if (!namespaces) {
      return [this.namespaceNode(session.contextName, session.namespace)];
    }
    if (namespaces.state === 'connecting') {
      return [this.note('loading', 'Loading namespaces…', undefined, 'loading~spin')];
    }
    const listed = namespaces
      .list()
      .map((namespace) => namespace.metadata?.name ?? '')
      .filter(Boolean)
      .sort();
    const children: ClusterTreeNode[] = (
      listed.includes(session.namespace) ? listed : [session.namespace, ...listed]
    ).map((name) => this.namespaceNode(session.contextName, name));
    const error = namespaces.lastError;
    if (error && (namespaces.state === 'failed' || namespaces.state === 'reconnecting')) {
      const message =
        error.kind === 'forbidden'
          ? `Listing namespaces is forbidden (verb "list", resource "namespaces"): showing the context's namespace only.`
          : `${error.summary}${namespaces.state === 'reconnecting' ? ' Reconnecting…' : ''}`;
      children.push(
        this.note(
          'namespaces-error',
          message,
          error.hint,
          error.kind === 'forbidden' ? 'warning' : 'error',
        ),
      );
    }
    return children;
  }

  getParent(node: ClusterTreeNode): ClusterTreeNode | undefined {
    return node.type === 'namespace' ? this.contextNode(node.contextName) : undefined;
  }

  dispose(): void {
    this.sessionSubscriptions.dispose();
    this.subscriptions.dispose();
  }

  private activeContext(): string | undefined {
    return this.connection.session?.contextName ?? this.connection.activeContextName;
  }

  private namespaces(): KubeWatchCache<V1Namespace> | undefined {
    return namespacesOf(this.connection.session);
  }

  private watchSession(): void {
    this.sessionSubscriptions.clear();
    this.namespaceNodes.clear();
    const namespaces = this.namespaces();
    if (namespaces) {
      this.sessionSubscriptions.add(
        namespaces.onDidChange((change) => {
          const context =
            this.connection.session && this.contextNode(this.connection.session.contextName);
          if (!context) return;
          if (change.added.length > 0 || change.deleted.length > 0) {
            // The set of children changed: refresh the context element (its children are refetched).
            this.changes.fire(context);
          } else {
            const session = this.connection.session!;
            this.changes.fire(
              change.updated.map((namespace) =>
                this.namespaceNode(session.contextName, namespace.metadata?.name ?? ''),
              ),
            );
          }
        }),
      );
      this.sessionSubscriptions.add(
        namespaces.onDidChangeState(() => {
          const session = this.connection.session;
          if (session) this.changes.fire(this.contextNode(session.contextName));
        }),
      );
    }
    // Which context is active (and its children) changed: the whole tree is small, refresh it.
    this.changes.fire(undefined);
  }

  private contextNode(name: string): ContextNode {
    let node = this.contextNodes.get(name);
    if (!node) {
      node = { type: 'context', name };
      this.contextNodes.set(name, node);
    }
    return node;
  }

  private namespaceNode(contextName: string, name: string): NamespaceNode {
    const key = `${contextName}/${name}`;
    let node = this.namespaceNodes.get(key);
    if (!node) {
      node = { type: 'namespace', contextName, name };
      this.namespaceNodes.set(key, node);
    }
    return node;
  }

  private note(
    id: string,
    message: string,
    tooltip: string | undefined,
    icon: NoteNode['icon'],
  ): NoteNode {
    return { type: 'note', id: `note:${id}`, message, tooltip, icon };
  }
}
