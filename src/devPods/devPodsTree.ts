import * as vscode from 'vscode';
import type { V1PersistentVolumeClaim, V1Pod } from '@kubernetes/client-node';
import type { ClusterSession } from '../cluster/session';
import { KubeWatchCache } from '../cluster/watchCache';
import {
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  type HasWorkload,
  type WorkloadRef,
} from '../cluster/workloadRef';
import type { Services } from '../common/services';
import { devPodClaimSource } from './claimSource';
import {
  devPodSelector,
  KEPT_FROM_ANNOTATION,
  WORKSPACE_CONTAINER,
} from '../cluster/devPodContract';
import { describeRow, devPodLabelOf, devPodRow, type DevPodRow } from './model/devPodRow';
import { DisposableStore } from '../cluster/disposableStore';
import { followSession } from '../common/sessionScoped';

/** One dev pod in the view; shared actions (terminal, logs, metrics, forwards) read `workload`. */
export interface DevPodNode extends HasWorkload {
  readonly type: 'devPod';
  readonly name: string;
  row: DevPodRow;
}

/** Shown instead of (or above) dev pods: why the list is empty or what the user may not do. */
interface NoteNode {
  readonly type: 'note';
  readonly id: string;
  readonly message: string;
  readonly tooltip?: string;
}

type TreeNode = DevPodNode | NoteNode;

const STATE_ICONS: Record<DevPodRow['state'], vscode.ThemeIcon> = {
  running: new vscode.ThemeIcon('vm-running', new vscode.ThemeColor('testing.iconPassed')),
  pending: new vscode.ThemeIcon('loading~spin'),
  stopped: new vscode.ThemeIcon('vm-outline'),
  failed: new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed')),
};

/** Age and idle time tick: refresh running rows once a minute (only those whose text changed). */
const CLOCK_MS = 60_000;

function isOurs(object: V1Pod | V1PersistentVolumeClaim): boolean {
  return (
    object.metadata?.labels?.[MANAGED_BY_LABEL] === MANAGED_BY_VALUE &&
    devPodLabelOf(object) !== undefined
  );
}

/**
 * The dev pod an object is (or was) part of. A claim kept by Delete loses its dev pod label, and
 * the label-selected watch reports it DELETED in that new state: the annotation still names it.
 */
function formerDevPodName(object: V1Pod | V1PersistentVolumeClaim): string | undefined {
  if (object.metadata?.labels?.[MANAGED_BY_LABEL] !== MANAGED_BY_VALUE) return undefined;
  return devPodLabelOf(object) ?? object.metadata?.annotations?.[KEPT_FROM_ANNOTATION];
}

/**
 * The Dev Pods view: ours (managed-by label) in the session's namespace, built from the session's
 * pods cache and a watch of our workspace claims; only changed rows are refreshed.
 */
export class DevPodsTreeProvider implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly changes = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChangeTreeData = this.changes.event;
  private readonly nodes = new Map<string, DevPodNode>();
  private readonly sessionSubscriptions = new DisposableStore();
  private claims: KubeWatchCache<V1PersistentVolumeClaim> | undefined;
  private session: ClusterSession | undefined;
  private notes: NoteNode[] = [];
  private readonly subscriptions = new DisposableStore();
  private readonly clock: NodeJS.Timeout;

  constructor(private readonly services: Services) {
    this.subscriptions.add(this.changes);
    this.clock = setInterval(() => this.tick(), CLOCK_MS);
    this.subscriptions.add(followSession(services.connection, (session) => this.attach(session)));
  }

  /** Names of dev pods in the namespace (pods and stopped ones), for uniqueness checks. */
  names(): string[] {
    return [...this.nodes.keys()];
  }

  node(name: string): DevPodNode | undefined {
    return this.nodes.get(name);
  }

  rows(): DevPodRow[] {
    return [...this.nodes.values()].map((node) => node.row);
  }

  /** Sets the notes shown above the dev pods (permission problems); refreshes the root. */
  setNotes(notes: readonly { id: string; message: string; tooltip?: string }[]): void {
    this.notes = notes.map((note) => ({ type: 'note', ...note }));
    this.changes.fire(undefined);
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    if (node.type === 'note') {
      const item = new vscode.TreeItem(node.message, vscode.TreeItemCollapsibleState.None);
      item.id = node.id;
      item.iconPath = new vscode.ThemeIcon('warning');
      item.tooltip = node.tooltip ?? node.message;
      item.contextValue = 'note';
      return item;
    }
    const { row } = node;
    const item = new vscode.TreeItem(row.name, vscode.TreeItemCollapsibleState.None);
    item.id = `devPod:${this.session?.contextName ?? ''}/${row.namespace}/${row.name}`;
    item.description = describeRow(row);
    item.contextValue = `devPod.${row.state}`;
    item.iconPath = STATE_ICONS[row.state];
    const tooltip = new vscode.MarkdownString(undefined, true);
    tooltip.appendMarkdown(`**${row.name}** (${row.namespace})\n\n`);
    tooltip.appendText(`${describeRow(row)}\n`);
    if (row.spec) {
      tooltip.appendText(
        `Image: ${row.spec.image}\nCPU ${row.spec.cpu}, memory ${row.spec.memory}, workspace ${row.spec.workspace.size}${row.spec.workspace.storageClass ? ` (${row.spec.workspace.storageClass})` : ''}\nIdle shutdown: ${row.spec.idleMinutes > 0 ? `${row.spec.idleMinutes} min` : 'off'}`,
      );
    } else if (!row.hasVolume) {
      tooltip.appendText('Its workspace volume is gone: it cannot be resumed after a stop.');
    }
    item.tooltip = tooltip;
    return item;
  }

  getChildren(node?: TreeNode): TreeNode[] {
    if (node) {
      return [];
    }
    const devPods = [...this.nodes.values()].sort((a, b) => a.name.localeCompare(b.name));
    return [...this.notes, ...devPods];
  }

  getParent(): undefined {
    return undefined;
  }

  private attach(session: ClusterSession | undefined): void {
    this.sessionSubscriptions.clear();
    this.claims?.dispose();
    this.claims = undefined;
    this.nodes.clear();
    this.notes = [];
    this.session = session;
    if (session) {
      const claims = new KubeWatchCache(devPodClaimSource(session.kubeConfig, session.namespace), {
        log: this.services.output,
      });
      this.claims = claims;
      this.sessionSubscriptions.add(claims);
      for (const source of [session.pods, claims]) {
        this.sessionSubscriptions.add(
          source.onDidChange((change) =>
            this.refreshNames([...change.added, ...change.updated, ...change.deleted]),
          ),
        );
      }
      // Each source rebuilds on its own: running dev pods still show when the user may not list claims.
      for (const source of [session.pods, claims]) {
        source.ready.then(
          () => this.rebuild(),
          (error: unknown) =>
            this.services.output.warn(`Dev Pods view: ${(error as Error).message}`),
        );
      }
    }
    this.changes.fire(undefined);
  }

  private podOf(name: string): V1Pod | undefined {
    return this.session?.pods.get(this.session.namespace, name);
  }

  private claimOf(name: string): V1PersistentVolumeClaim | undefined {
    return this.claims?.list().find((claim) => devPodLabelOf(claim) === name);
  }

  private rowFor(name: string): DevPodRow | undefined {
    const session = this.session;
    if (!session) return undefined;
    const pod = this.podOf(name);
    const claim = this.claimOf(name);
    const podIsOurs = pod !== undefined && isOurs(pod);
    if (!podIsOurs && !claim) return undefined;
    return devPodRow(name, session.namespace, podIsOurs ? pod : undefined, claim, Date.now());
  }

  private workloadOf(name: string): WorkloadRef {
    return {
      kind: 'DevPod',
      namespace: this.session?.namespace ?? '',
      name,
      podSelector: devPodSelector(name),
      container: WORKSPACE_CONTAINER,
    };
  }

  /** Recomputes the rows of the dev pods these objects belong to; fires per row, or the root when rows come or go. */
  private refreshNames(objects: readonly (V1Pod | V1PersistentVolumeClaim)[]): void {
    const session = this.session;
    if (!session) return;
    const names = new Set(
      objects
        .filter((object) => object.metadata?.namespace === session.namespace)
        .map(formerDevPodName)
        .filter((name): name is string => name !== undefined),
    );
    let structureChanged = false;
    const changed: DevPodNode[] = [];
    for (const name of names) {
      const row = this.rowFor(name);
      const existing = this.nodes.get(name);
      if (!row) {
        structureChanged ||= this.nodes.delete(name);
      } else if (existing) {
        existing.row = row;
        changed.push(existing);
      } else {
        this.nodes.set(name, { type: 'devPod', name, row, workload: this.workloadOf(name) });
        structureChanged = true;
      }
    }
    if (structureChanged) {
      this.changes.fire(undefined);
    } else {
      changed.forEach((node) => this.changes.fire(node));
    }
  }

  private rebuild(): void {
    const session = this.session;
    if (!session) return;
    const objects = [
      ...session.pods.list().filter((pod) => pod.metadata?.namespace === session.namespace),
      ...(this.claims?.list() ?? []),
    ];
    this.nodes.clear();
    this.refreshNames(objects);
    this.changes.fire(undefined);
  }

  private tick(): void {
    for (const node of this.nodes.values()) {
      if (node.row.state !== 'running' && node.row.state !== 'stopped') continue;
      const row = this.rowFor(node.name);
      if (row && describeRow(row) !== describeRow(node.row)) {
        node.row = row;
        this.changes.fire(node);
      }
    }
  }

  dispose(): void {
    clearInterval(this.clock);
    this.sessionSubscriptions.dispose();
    this.claims?.dispose();
    this.subscriptions.dispose();
  }
}
