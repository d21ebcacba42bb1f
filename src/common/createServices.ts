import * as vscode from 'vscode';
import { KubeClusterConnection } from './clusterConnection';
import { DevPodGpuUtilisation } from './devPodGpuUtilisation';
import { VscodeErrorPresenter } from './errorPresenter';
import type { Services } from './services';
import { VscodeSettings } from './settings';
import { ViewRows } from './viewRows';

/** Builds the window's shared services; everything disposable is owned by the extension context. */
export function createServices(context: vscode.ExtensionContext): Services {
  const output = vscode.window.createOutputChannel('Kube ML', { log: true });
  context.subscriptions.push(output);
  const settings = new VscodeSettings();
  const errors = new VscodeErrorPresenter(output);
  const connection = new KubeClusterConnection({ settings, output, errors, state: context.globalState });
  const viewRows = new ViewRows();
  context.subscriptions.push(connection, viewRows);
  return { extensionContext: context, output, settings, connection, errors, devPodGpuUtilisation: new DevPodGpuUtilisation(), viewRows };
}
