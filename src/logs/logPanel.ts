import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { Services } from '../common/services';
import { webviewHtml, webviewOptions } from '../common/webviewHtml';
import type { WorkloadRef } from '../cluster/workloadRef';
import { LogSession } from './logSession';
import type { HostToLogView, LogViewToHost } from '../webviews/logs/protocol';

/**
 * One log viewer. The session keeps the data (bounded) so the webview can be thrown away when
 * hidden and rebuilt on 'ready' (no retainContextWhenHidden).
 */
export class LogPanel implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private disposed = false;
  /** The webview script is listening (it said 'ready' and has not been hidden since). */
  private viewReady = false;
  /** Lines the webview reported rendered, and when it first showed one (for tests and benches). */
  renderedLines = 0;
  firstLineShownAt: number | undefined;
  readonly openedAt = Date.now();

  private constructor(
    private readonly services: Services,
    readonly panel: vscode.WebviewPanel,
    readonly session: LogSession,
  ) {
    panel.webview.html = webviewHtml(panel.webview, services.extensionContext.extensionUri, 'logs', panel.title);
    this.disposables.push(
      panel.webview.onDidReceiveMessage((message: LogViewToHost) => this.receive(message)),
      // A hidden webview is discarded; it says 'ready' again when shown and gets a replay.
      panel.onDidChangeViewState(() => {
        if (!panel.visible) this.viewReady = false;
      }),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  static async open(services: Services, workload: WorkloadRef): Promise<LogPanel> {
    const session = services.connection.requireSession();
    const storage = services.extensionContext.globalStorageUri?.fsPath ?? os.tmpdir();
    await fs.promises.mkdir(path.join(storage, 'log-spool'), { recursive: true });
    const spoolPath = path.join(storage, 'log-spool', `${workload.name}-${randomBytes(4).toString('hex')}.log`);
    // The session posts through the panel, which exists only after the session started.
    const holder: { panel?: LogPanel } = {};
    const logSession = new LogSession({
      kubeConfig: session.kubeConfig,
      workload,
      maxLines: services.settings.logMaxLines(),
      // Older lines would fall out of the view at once; Save covers what is streamed from here on.
      initialTailLines: services.settings.logMaxLines(),
      spoolPath,
      pods: session.pods,
      post: (message) => holder.panel?.post(message),
      log: (message) => services.output.debug(message),
    });
    try {
      await logSession.start();
    } catch (error) {
      logSession.dispose();
      throw error;
    }
    const webviewPanel = vscode.window.createWebviewPanel('kubeMl.logs', logSession.viewTitle, vscode.ViewColumn.Active, webviewOptions(services.extensionContext.extensionUri));
    holder.panel = new LogPanel(services, webviewPanel, logSession);
    return holder.panel;
  }

  private post(message: HostToLogView): void {
    if (!this.disposed && this.viewReady) void this.panel.webview.postMessage(message);
  }

  private receive(message: LogViewToHost): void {
    switch (message.type) {
      case 'ready':
        this.viewReady = true;
        this.session.replay();
        break;
      case 'selectContainer':
        void this.services.errors.guard('switch log container', () => this.session.selectContainer(message.container, message.previous));
        break;
      case 'save':
        void this.services.errors.guard('save log', () => this.save());
        break;
      case 'rendered':
        this.renderedLines = message.lines;
        if (message.firstLineShownAt !== undefined) this.firstLineShownAt ??= Date.now();
        break;
    }
  }

  private async save(): Promise<void> {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(os.homedir());
    const target = await vscode.window.showSaveDialog({ defaultUri: vscode.Uri.joinPath(folder, `${this.session.viewTitle.replace(/^Logs: /, '').replace(/[^\w.-]+/g, '_')}.log`), filters: { Logs: ['log', 'txt'] } });
    if (!target) return;
    const lines = await this.session.saveTo(target.fsPath);
    this.post({ type: 'saved', path: target.fsPath, lines });
  }

  reveal(): void {
    this.panel.reveal();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.session.dispose();
    for (const disposable of this.disposables) disposable.dispose();
    this.panel.dispose();
  }
}
