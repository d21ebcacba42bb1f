import * as vscode from 'vscode';
import { ClusterStatusBar } from '../common/statusBar';
import type { KubeMlError } from '../cluster/errors';
import type { Services } from '../common/services';
import { ClustersTreeProvider } from './clustersTree';
import { registerExplorerCommands } from './commands';
import { GpuCapacityTreeProvider } from './gpuCapacityTree';
import { GpuCapacityFeed } from './model/gpuCapacityFeed';

/** Clusters and GPU Capacity views, the status bar item and the context/namespace commands. */
export function registerExplorer(services: Services): void {
  const subscriptions = services.extensionContext.subscriptions;
  const connection = services.connection as Services['connection'] & { readonly error?: KubeMlError; readonly activeContextName?: string };

  // One GpuCapacityFeed per session, shared by the GPU view and the status bar.
  let feed: GpuCapacityFeed | undefined;
  const feedChanges = new vscode.EventEmitter<GpuCapacityFeed | undefined>();
  const replaceFeed = (): void => {
    feed?.dispose();
    feed = connection.session ? new GpuCapacityFeed(connection.session) : undefined;
    feedChanges.fire(feed);
  };
  replaceFeed();
  subscriptions.push(feedChanges, connection.onDidChangeSession(replaceFeed), { dispose: () => feed?.dispose() });

  const clusters = new ClustersTreeProvider(connection);
  const gpuCapacity = new GpuCapacityTreeProvider(() => feed, feedChanges.event);
  const statusBar = new ClusterStatusBar(connection, () => feed, feedChanges.event);
  subscriptions.push(
    clusters,
    gpuCapacity,
    statusBar,
    vscode.window.createTreeView('kubeMl.clusters', { treeDataProvider: clusters, showCollapseAll: false }),
    vscode.window.createTreeView('kubeMl.gpuCapacity', { treeDataProvider: gpuCapacity, showCollapseAll: true }),
    ...registerExplorerCommands(services, () => clusters.refresh()),
  );
}
