import * as vscode from 'vscode';
import { ClusterStatusBar } from './statusBar';
import type { KubeMlError } from '../cluster/errors';
import type { Services } from '../common/services';
import { ClustersTreeProvider } from './clustersTree';
import { registerExplorerCommands } from './commands';
import { GpuCapacityTreeProvider } from './gpuCapacityTree';
import { GpuCapacityFeed } from './model/gpuCapacityFeed';
import { UtilisationPoller } from './utilisationPoller';
import { poolUtilisationSource } from '../cluster/gpu/poolUtilisation';
import { followSession, SessionScoped } from '../common/sessionScoped';

/** The overview needs no panel-rate refresh: at least 10 s, slower if the setting says so. */
const MIN_UTILISATION_REFRESH_MS = 10_000;
/** Looking for a DCGM exporter costs four list calls; once a minute while the view is visible. */
const DCGM_REDISCOVER_MS = 60_000;

/** Clusters and GPU Capacity views, the status bar item and the context/namespace commands. */
export function registerExplorer(services: Services): void {
  const subscriptions = services.extensionContext.subscriptions;
  const connection = services.connection as Services['connection'] & {
    readonly error?: KubeMlError;
    readonly activeContextName?: string;
  };

  // One GpuCapacityFeed per session, shared by the GPU view and the status bar.
  const feeds = new SessionScoped(
    connection,
    (session) => new GpuCapacityFeed(session),
    (error) => services.errors.show(error, 'watch GPU capacity'),
  );
  subscriptions.push(feeds);

  // Per-node GPU utilisation from DCGM, read only while the GPU Capacity view is visible.
  const utilisation = new UtilisationPoller(undefined, {
    refreshMs: () =>
      Math.max(MIN_UTILISATION_REFRESH_MS, services.settings.gpuMetricsRefreshSeconds() * 1000),
    rediscoverMs: DCGM_REDISCOVER_MS,
    log: services.output,
  });
  subscriptions.push(
    utilisation,
    followSession(connection, (session) =>
      utilisation.setSource(session && poolUtilisationSource(session)),
    ),
  );

  const clusters = new ClustersTreeProvider(connection);
  const gpuCapacity = new GpuCapacityTreeProvider(
    () => feeds.value,
    feeds.onDidChange,
    utilisation,
  );
  const gpuCapacityView = vscode.window.createTreeView('kubeMl.gpuCapacity', {
    treeDataProvider: gpuCapacity,
    showCollapseAll: true,
  });
  utilisation.setVisible(gpuCapacityView.visible);
  const statusBar = new ClusterStatusBar(connection, () => feeds.value, feeds.onDidChange);
  subscriptions.push(
    clusters,
    gpuCapacity,
    statusBar,
    vscode.window.createTreeView('kubeMl.clusters', {
      treeDataProvider: clusters,
      showCollapseAll: false,
    }),
    gpuCapacityView,
    gpuCapacityView.onDidChangeVisibility((event) => utilisation.setVisible(event.visible)),
    registerExplorerCommands(services, () => clusters.refresh()),
  );
}
