import * as vscode from 'vscode';
import type { ErrorPresenter } from './services';

/** One command: what it does, in words for a failure message ("create a dev pod"), and its handler. */
export interface CommandEntry {
  readonly operation: string;
  /** Gets whatever VS Code, a menu or a caller passes, unchecked: the handler checks it. */
  run(...args: unknown[]): unknown;
}

/** A feature's commands by id, each declared once in package.json. */
export type CommandTable = Readonly<Record<`kubeMl.${string}`, CommandEntry>>;

/**
 * Registers every command of the table. Whatever a handler throws or rejects with goes to the
 * error presenter, so no command fails silently or leaves an unhandled rejection; the handler's
 * result is the command's result (undefined after a failure).
 */
export function registerCommands(errors: ErrorPresenter, table: CommandTable): vscode.Disposable {
  return vscode.Disposable.from(
    ...Object.entries(table).map(([id, entry]) =>
      vscode.commands.registerCommand(id, (...args: unknown[]) =>
        errors.guard(entry.operation, async () => entry.run(...args)),
      ),
    ),
  );
}
