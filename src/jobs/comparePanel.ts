import * as vscode from 'vscode';
import { webviewHtml, webviewOptions } from '../common/webviewHtml';
import type { Services } from '../common/services';
import type { HostToWebview, WebviewToHost } from '../webviews/runCompare/protocol';
import { loadRunCurves } from './runCurvesLoader';
import type { RunRef } from './runActions';

/** Open Compare Runs panels, so extension-host tests can find them. */
export const openComparePanels = new Set<vscode.WebviewPanel>();

/**
 * The Compare Runs panel: the host reads each run's logs, parses the curves and posts them;
 * the webview plots one uPlot chart with a series per run. Credentials never leave the host.
 */
export function openComparePanel(services: Services, runs: readonly RunRef[]): vscode.WebviewPanel {
  const extensionUri = services.extensionContext.extensionUri;
  const title = `Compare: ${runs.map((run) => run.name).join(' vs ')}`;
  const panel = vscode.window.createWebviewPanel('kubeMl.runCompare', title.length > 60 ? `Compare ${runs.length} runs` : title, vscode.ViewColumn.Active, { ...webviewOptions(extensionUri), retainContextWhenHidden: false });
  panel.webview.html = webviewHtml(panel.webview, extensionUri, 'runCompare', panel.title);
  const post = (message: HostToWebview) => void panel.webview.postMessage(message);
  const load = async (): Promise<void> => {
    post({ type: 'loading', runs: runs.map((run) => run.name) });
    try {
      const session = services.connection.requireSession();
      post({ type: 'curves', runs: await loadRunCurves(session, runs) });
    } catch (error) {
      services.errors.show(error, 'compare runs');
      post({ type: 'error', message: error instanceof Error ? error.message : String(error) });
    }
  };
  const subscription = panel.webview.onDidReceiveMessage((message: WebviewToHost) => {
    if (message.type === 'ready' || message.type === 'refresh') void load();
  });
  openComparePanels.add(panel);
  panel.onDidDispose(() => {
    subscription.dispose();
    openComparePanels.delete(panel);
  });
  return panel;
}
