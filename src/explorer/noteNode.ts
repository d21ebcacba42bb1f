import * as vscode from 'vscode';

/** A row that says why a view is empty or partial: loading, a problem, a missing permission. */
export interface NoteNode {
  readonly type: 'note';
  readonly id: string;
  readonly message: string;
  readonly tooltip?: string;
  readonly icon: 'warning' | 'error' | 'loading~spin' | 'info';
}

export function noteTreeItem(node: NoteNode): vscode.TreeItem {
  const item = new vscode.TreeItem(node.message, vscode.TreeItemCollapsibleState.None);
  item.id = node.id;
  item.contextValue = 'note';
  item.tooltip = node.tooltip ?? node.message;
  item.iconPath = new vscode.ThemeIcon(node.icon);
  return item;
}
