import * as vscode from 'vscode';
import { DisposableStore } from '../cluster/disposableStore';
import { ViewGate } from './viewGate';
import { webviewHtml, webviewOptions } from './webviewHtml';

/** Every webview says this once its script listens (on first load and each reload). */
export interface ReadyMessage {
  readonly type: 'ready';
}

export interface PanelHostOptions<ViewToHost> {
  /** The panel's view type, `kubeMl.<name>`. */
  readonly viewType: string;
  readonly title: string;
  /** The esbuild bundle under media/webviews/ (from src/webviews/<bundle>/main.ts). */
  readonly bundle: string;
  /** Keep the webview alive while hidden; otherwise it is discarded and loads again when shown. */
  readonly retainContextWhenHidden?: boolean;
  /** Posts the whole state the view shows; runs each time the view says 'ready'. */
  readonly restore: () => void;
  /** Every message of the view other than 'ready'. */
  readonly receive?: (message: Exclude<ViewToHost, ReadyMessage>) => void;
}

/**
 * One webview panel: creates it with our CSP page, follows the 'ready' handshake (ViewGate:
 * posts reach the view only while it listens, and each 'ready' restores the whole state), and
 * owns what its feature adds.
 */
export class PanelHost<HostToView, ViewToHost extends { readonly type: string }>
  implements vscode.Disposable
{
  readonly panel: vscode.WebviewPanel;
  private readonly owned = new DisposableStore();
  private readonly gate: ViewGate<HostToView>;
  private disposed = false;

  constructor(
    extensionUri: vscode.Uri,
    private readonly options: PanelHostOptions<ViewToHost>,
  ) {
    this.panel = vscode.window.createWebviewPanel(
      options.viewType,
      options.title,
      vscode.ViewColumn.Active,
      {
        ...webviewOptions(extensionUri),
        retainContextWhenHidden: options.retainContextWhenHidden ?? false,
      },
    );
    this.gate = new ViewGate(
      (message) => void this.panel.webview.postMessage(message),
      options.restore,
    );
    this.panel.webview.html = webviewHtml(
      this.panel.webview,
      extensionUri,
      options.bundle,
      options.title,
    );
    this.owned.add(
      this.panel.webview.onDidReceiveMessage((message: ViewToHost) => this.received(message)),
    );
    this.owned.add(
      this.panel.onDidChangeViewState(() => {
        // A hidden webview without retained context is thrown away; it says 'ready' again when shown.
        if (!this.panel.visible && !options.retainContextWhenHidden) this.gate.discarded();
      }),
    );
    this.owned.add(this.panel.onDidDispose(() => this.dispose()));
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  post(message: HostToView): void {
    if (!this.disposed) this.gate.post(message);
  }

  /** Disposed with the panel, in reverse order of addition. */
  add<D extends vscode.Disposable>(item: D): D {
    return this.owned.add(item);
  }

  reveal(): void {
    this.panel.reveal();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.owned.dispose();
    this.panel.dispose();
  }

  private received(message: ViewToHost): void {
    if (message.type === 'ready') {
      this.gate.ready();
    } else {
      this.options.receive?.(message as Exclude<ViewToHost, ReadyMessage>);
    }
  }
}
