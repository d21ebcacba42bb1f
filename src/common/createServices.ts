import * as vscode from 'vscode';
import { ExecCredentialCache } from '../cluster/execCredentials/credentialCache';
import { KubeClusterConnection } from './clusterConnection';
import { DevPodGpuUtilisation } from './devPodGpuUtilisation';
import { VscodeErrorPresenter } from './errorPresenter';
import type { Services } from './services';
import { VscodeSettings } from './settings';
import { VscodeSignInPrompt } from './signInPrompt';
import { ViewRows } from './viewRows';

/** Builds the window's shared services; everything disposable is owned by the extension context. */
export function createServices(context: vscode.ExtensionContext): Services {
  const output = vscode.window.createOutputChannel('Kube ML', { log: true });
  context.subscriptions.push(output);
  const settings = new VscodeSettings();
  const errors = new VscodeErrorPresenter(output);
  // One per window: every session, view, stream and context shares an exec plugin's credential.
  const signInPrompt = new VscodeSignInPrompt(output);
  const credentials = new ExecCredentialCache({ surface: signInPrompt });
  const connection = new KubeClusterConnection({
    settings,
    output,
    errors,
    state: context.globalState,
    credentials,
  });
  const viewRows = new ViewRows();
  context.subscriptions.push(connection, viewRows, signInPrompt);
  return {
    extensionContext: context,
    output,
    settings,
    connection,
    errors,
    devPodGpuUtilisation: new DevPodGpuUtilisation(),
    viewRows,
    onDidStartSignIn: signInPrompt.onDidStart,
  };
}
