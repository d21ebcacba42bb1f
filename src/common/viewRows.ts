import * as vscode from 'vscode';
import type { ViewRowsRegistry } from './services';

/**
 * Internal (uncontributed) command through which extension-host tests read what a view shows, as
 * plain rows: `executeCommand(VIEW_ROWS_COMMAND, viewId)`. Registered once for every view.
 */
export const VIEW_ROWS_COMMAND = 'kubeMl.internal.viewRows';

export class ViewRows implements ViewRowsRegistry, vscode.Disposable {
  private readonly providers = new Map<string, () => readonly unknown[]>();
  private readonly command = vscode.commands.registerCommand(VIEW_ROWS_COMMAND, (viewId: string) =>
    this.rows(viewId),
  );

  register(viewId: string, rows: () => readonly unknown[]): vscode.Disposable {
    this.providers.set(viewId, rows);
    return new vscode.Disposable(() => this.providers.delete(viewId));
  }

  private rows(viewId: string): readonly unknown[] {
    const rows = this.providers.get(viewId);
    if (!rows) throw new Error(`No rows registered for view ${viewId}`);
    return rows();
  }

  dispose(): void {
    this.command.dispose();
    this.providers.clear();
  }
}
