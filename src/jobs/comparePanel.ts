import type * as vscode from 'vscode';
import { PanelHost } from '../common/panelHost';
import type { Services } from '../common/services';
import type { HostToView, ViewToHost } from '../webviews/runCompare/protocol';
import { loadRunCurves } from './runCurvesLoader';
import type { RunRef } from './runActions';

/**
 * The Compare Runs panel: the host reads each run's logs, parses the curves and posts them;
 * the webview plots one uPlot chart with a series per run. Credentials never leave the host.
 */
export function openComparePanel(services: Services, runs: readonly RunRef[]): vscode.WebviewPanel {
  const title = `Compare: ${runs.map((run) => run.name).join(' vs ')}`;
  const load = async (): Promise<void> => {
    host.post({ type: 'loading', runs: runs.map((run) => run.name) });
    try {
      const session = services.connection.requireSession();
      host.post({ type: 'curves', runs: await loadRunCurves(session, runs) });
    } catch (error) {
      services.errors.show(error, 'compare runs');
      host.post({ type: 'error', message: error instanceof Error ? error.message : String(error) });
    }
  };
  const host: PanelHost<HostToView, ViewToHost> = new PanelHost(
    services.extensionContext.extensionUri,
    {
      viewType: 'kubeMl.runCompare',
      title: title.length > 60 ? `Compare ${runs.length} runs` : title,
      bundle: 'runCompare',
      restore: () => void load(),
      receive: () => void load(), // 'refresh'
    },
  );
  return host.panel;
}
