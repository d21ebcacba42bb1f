import * as vscode from 'vscode';
import { SettingsReader } from './model/settingsReader';

/** The one typed accessor for kubeMl.* settings, over this window's configuration. */
export class VscodeSettings extends SettingsReader {
  constructor() {
    super(() => vscode.workspace.getConfiguration('kubeMl'));
  }
}

/** Fires `listener` when one of `keys` (relative to kubeMl) changes. */
export function onDidChangeSettings(
  keys: readonly string[],
  listener: () => void,
): vscode.Disposable {
  return vscode.workspace.onDidChangeConfiguration((event) => {
    if (keys.some((key) => event.affectsConfiguration(`kubeMl.${key}`))) {
      listener();
    }
  });
}
