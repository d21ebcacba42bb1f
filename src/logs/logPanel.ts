import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { Services } from '../common/services';
import { PanelHost, type ReadyMessage } from '../common/panelHost';
import type { WorkloadRef } from '../cluster/workloadRef';
import { LogSession } from './logSession';
import type { HostToView, ViewToHost } from '../webviews/logs/protocol';

/**
 * One log viewer. The session keeps the data (bounded) so the webview can be thrown away when
 * hidden and rebuilt on 'ready' (no retainContextWhenHidden).
 */
export class LogPanel implements vscode.Disposable {
  private readonly host: PanelHost<HostToView, ViewToHost>;
  /** Lines the webview reported rendered, and when it first showed one (for tests and benches). */
  renderedLines = 0;
  firstLineShownAt: number | undefined;
  readonly openedAt = Date.now();

  private constructor(
    private readonly services: Services,
    readonly session: LogSession,
  ) {
    this.host = new PanelHost(services.extensionContext.extensionUri, {
      viewType: 'kubeMl.logs',
      title: session.viewTitle,
      bundle: 'logs',
      restore: () => session.replay(),
      receive: (message) => this.receive(message),
    });
    this.host.add(session);
  }

  static async open(services: Services, workload: WorkloadRef): Promise<LogPanel> {
    const session = services.connection.requireSession();
    const storage = services.extensionContext.globalStorageUri?.fsPath ?? os.tmpdir();
    await fs.promises.mkdir(path.join(storage, 'log-spool'), { recursive: true });
    const spoolPath = path.join(
      storage,
      'log-spool',
      `${workload.name}-${randomBytes(4).toString('hex')}.log`,
    );
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
      log: services.output,
    });
    try {
      await logSession.start();
    } catch (error) {
      logSession.dispose();
      throw error;
    }
    holder.panel = new LogPanel(services, logSession);
    return holder.panel;
  }

  get panel(): vscode.WebviewPanel {
    return this.host.panel;
  }

  private post(message: HostToView): void {
    this.host.post(message);
  }

  private receive(message: Exclude<ViewToHost, ReadyMessage>): void {
    switch (message.type) {
      case 'selectContainer':
        void this.services.errors.guard('switch log container', () =>
          this.session.selectContainer(message.container, message.previous),
        );
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
    const target = await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.joinPath(
        folder,
        `${this.session.viewTitle.replace(/^Logs: /, '').replace(/[^\w.-]+/g, '_')}.log`,
      ),
      filters: { Logs: ['log', 'txt'] },
    });
    if (!target) return;
    const lines = await this.session.saveTo(target.fsPath);
    this.post({ type: 'saved', path: target.fsPath, lines });
  }

  reveal(): void {
    this.host.reveal();
  }

  dispose(): void {
    this.host.dispose();
  }
}
